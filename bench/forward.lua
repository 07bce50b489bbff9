-- Absolute-form requests (GET http://host:port/path), as a client configured with a proxy sends
-- them. The target URL is the script's first argument: wrk ... http://PROXY/ -- http://ORIGIN/small
function init(args)
  wrk.path = args[1]
  wrk.headers["Host"] = args[1]:match("^%a+://([^/]+)")
end
