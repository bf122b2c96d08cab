-- wrk script: GET /api/v1/dossiers/{code} for codes drawn at random from $MOTCUA_CODES.
-- Requests are formatted once at start so the load tool spends its time sending, not formatting.
local token = os.getenv("MOTCUA_TOKEN")
local reqs = {}
for line in io.lines(os.getenv("MOTCUA_CODES")) do
  reqs[#reqs + 1] = wrk.format("GET", "/api/v1/dossiers/" .. line, { ["Authorization"] = "Bearer " .. token })
end
math.randomseed(os.time())
request = function()
  return reqs[math.random(#reqs)]
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, errors %d, non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
