-- wrk script: failed sign-ins under random usernames. With SPRAY_SPREAD=1 each request names a
-- random client address in X-Forwarded-For (a botnet: every attempt costs an argon2
-- verification); otherwise all come from one address (which the server soon holds back).
local spread = os.getenv("SPRAY_SPREAD") == "1"
math.randomseed(os.time())
local letters = "abcdefghijklmnopqrstuvwxyz0123456789"
local function name()
  local t = {}
  for i = 1, 12 do
    local k = math.random(#letters)
    t[i] = letters:sub(k, k)
  end
  return table.concat(t)
end
request = function()
  local headers = { ["Content-Type"] = "application/json" }
  if spread then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  else
    headers["X-Forwarded-For"] = "203.0.113.66"
  end
  local body = string.format('{"username":"%s","password":"sai-mat-khau-%d"}', name(), math.random(1000000))
  return wrk.format("POST", "/api/v1/auth/login", headers, body)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("sign-ins: %d in %.0f s, p50 %.1f ms, p99 %.1f ms\n", summary.requests,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
