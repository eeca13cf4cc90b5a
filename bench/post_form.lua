-- wrk script: the same form POST on every request, authenticated with client_secret_basic.
-- Used by bench/run.sh for POST /token (client_credentials) and POST /introspect.
--   BENCH_BASIC  base64 of "client_id:client_secret" (each form-urlencoded, RFC 6749 §2.3.1)
--   BENCH_BODY   the application/x-www-form-urlencoded body
-- No request() function is defined, so wrk builds the request once and reuses it.
local basic = os.getenv("BENCH_BASIC")
local body = os.getenv("BENCH_BODY")
if not basic or not body then
  error("post_form.lua needs BENCH_BASIC and BENCH_BODY in the environment")
end
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. basic
