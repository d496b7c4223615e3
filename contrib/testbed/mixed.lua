-- SPDX-License-Identifier: GPL-2.0-only
-- mixed.lua: a wrk script for run.sh --page mixed: the static page, and
-- one request in EVERY to the slow CGI script (30 ms), as a web server's
-- mix of fast and slow pages.
--
--   wrk -t T -c C -d D -s mixed.lua URL -- EVERY
--
-- wrk runs each thread in its own Lua state: the count is per thread, so
-- the share is 1 / EVERY of each thread's requests.

local every = 50
local count = 0
local fast, slow

function init(args)
	if args[1] then
		every = tonumber(args[1])
	end
	fast = wrk.format("GET", "/static.html")
	slow = wrk.format("GET", "/cgi-bin/slow.cgi")
end

function request()
	count = count + 1
	if count % every == 0 then
		return slow
	end
	return fast
end
