-- wrk script: POST /orders/track with the seed body and order handles unique across threads and runs,
-- so a stateful server never answers 409.  BODY_ORDERS (env) sets the number of orders per request;
-- INVALID=1 sends a body that fails validation (the 422 path); AUTHS (env, comma-separated base64 of
-- "account:secret") spreads the requests over those tenants in turn.
local counter = 0
local threads = {}
local orders_per_request = tonumber(os.getenv("BODY_ORDERS") or "2")
local invalid = os.getenv("INVALID") == "1"
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  prefix = string.format("%d-%06x", tid, math.random(0, 0xffffff))
end
local auths = {}
for token in string.gmatch(os.getenv("AUTHS") or "YWNjb3VudC0xOnNlY3JldC0x", "[^,]+") do -- account-1:secret-1
  table.insert(auths, "Basic " .. token)
end
request = function()
  counter = counter + 1
  local h = prefix .. "-" .. counter
  local orders = {}
  for i = 1, orders_per_request do
    orders[i] = '{"order_handle":"o' .. i .. '-' .. h .. '","type":"' .. (i % 2 == 1 and "pick" or "drop") ..
      '","scheduled_at":"2023-11-02T02:00:00Z","destination":{"address":"1709 Automation Pkwy, San Jose, CA 95101",' ..
      '"geometry":{"type":"Point","coordinates":[17.803927,34.832173]},"radius":100}}'
  end
  local mode = invalid and "sometimes" or "on_time"
  local body = '{"worker_handle":"james@ht.com","track_mode":"' .. mode .. '","ops_group_handle":"SAN_JOSE_WH","orders":[' ..
    table.concat(orders, ",") .. ']}'
  local auth = auths[counter % #auths + 1]
  return wrk.format("POST", "/orders/track", {["Content-Type"]="application/json", ["Authorization"]=auth}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
