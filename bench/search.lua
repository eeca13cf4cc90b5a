-- wrk script: GET /api/v1/persons?q=<prefix> with a bearer token, the prefix drawn from
-- the names and addresses the benchmark seeded (two or three letters, as a person types).
--   BENCH_TOKEN   an access token of a service client with the admin role
local token = os.getenv("BENCH_TOKEN")
if not token then error("search.lua needs BENCH_TOKEN in the environment") end
wrk.headers["Authorization"] = "Bearer " .. token
local prefixes = { "an", "bo", "ca", "da", "er", "fr", "gu", "ha", "in", "jo", "ka", "la",
  "ma", "ni", "ol", "pe", "ro", "sa", "to", "ul", "per", "pers", "and", "kar", "lin" }
math.randomseed(os.time())
function request()
  local q = prefixes[math.random(#prefixes)]
  return wrk.format("GET", "/api/v1/persons?limit=50&q=" .. q)
end
