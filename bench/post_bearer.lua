-- wrk script: POST a fixed JSON body with a bearer token.
--   BENCH_BEARER  the access token
--   BENCH_JSON    the JSON body
local token = os.getenv("BENCH_BEARER")
local body = os.getenv("BENCH_JSON")
if not token or not body then error("post_bearer.lua needs BENCH_BEARER and BENCH_JSON") end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = body
