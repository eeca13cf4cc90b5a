-- wrk script: POST a fixed JSON body with HTTP Basic client authentication.
--   BENCH_BASIC   base64 of "client_id:client_secret"
--   BENCH_JSON    the JSON body
local basic = os.getenv("BENCH_BASIC")
local body = os.getenv("BENCH_JSON")
if not basic or not body then error("post_json.lua needs BENCH_BASIC and BENCH_JSON") end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Basic " .. basic
wrk.body = body
