-- wrk script: POST /token grant_type=refresh_token with rotating refresh tokens.
--
-- trohet rotates the refresh token on every use and treats reuse of an old one as theft
-- (the whole grant is revoked), so a fixed request body would fail after one request.
-- Instead every wrk thread owns one independent grant: run with -tN -cN (one connection
-- per thread), so each thread sends its requests strictly one after another, and after
-- each response it switches to the new refresh_token from the JSON body.
--   BENCH_BASIC          base64 of "client_id:client_secret" (form-urlencoded parts)
--   BENCH_REFRESH_FILE   one refresh token per line, at least as many as threads
local basic = os.getenv("BENCH_BASIC")
local file = os.getenv("BENCH_REFRESH_FILE")
if not basic or not file then
  error("refresh.lua needs BENCH_BASIC and BENCH_REFRESH_FILE in the environment")
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic

-- In the main Lua state: hand one token to each thread.
local tokens = {}
for line in io.lines(file) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local handed = 0
local threads = {}

function setup(thread)
  handed = handed + 1
  threads[handed] = thread
  if tokens[handed] == nil then
    error("refresh.lua: more wrk threads than refresh tokens in " .. file)
  end
  thread:set("token", tokens[handed])
end

-- In each thread's Lua state.
token = nil
unparsed = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. urlencode(token))
end

function response(status, headers, body)
  if status == 200 then
    local next_token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if next_token then
      token = next_token
    else
      unparsed = unparsed + 1
    end
  end
  -- A non-200 keeps the old token; wrk counts the response under "Non-2xx or 3xx".
end

-- Back in the main state: a 200 without a new refresh token would mean the next request
-- reuses a rotated token, so say so (run.sh treats this line as an error).
function done(summary, latency, requests)
  local missing = 0
  for _, thread in ipairs(threads) do
    missing = missing + (thread:get("unparsed") or 0)
  end
  if missing > 0 then
    io.write(string.format("refresh.lua: %d responses without a refresh_token\n", missing))
  end
end
