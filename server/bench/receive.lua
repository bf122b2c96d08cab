-- wrk script: POST /api/v1/dossiers (a durable workflow command) as a reception officer.
local token = os.getenv("MOTCUA_TOKEN")
local body = [[{"procedure":"2.001193.000.00.10.H16","applicant":{"name":"Nguyễn Văn An","citizen_id":"066185012345","phone":"0905123456"},"channel":"direct","documents":[{"name":"Tờ khai","original":true}]}]]
request = function()
  return wrk.format("POST", "/api/v1/dossiers",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms, errors %d, non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
