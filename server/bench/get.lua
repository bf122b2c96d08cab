-- wrk script: GET /api/v1/dossiers/{code} for codes drawn at random from codes.txt.
local codes = {}
for line in io.lines("codes.txt") do codes[#codes + 1] = line end
local token = os.getenv("MOTCUA_TOKEN")
math.randomseed(os.time())
request = function()
  local code = codes[math.random(#codes)]
  return wrk.format("GET", "/api/v1/dossiers/" .. code, { ["Authorization"] = "Bearer " .. token })
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, errors %d, non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
