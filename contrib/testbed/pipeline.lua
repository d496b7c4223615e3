-- SPDX-License-Identifier: GPL-2.0-only
-- pipeline.lua: HTTP pipelining for run.sh --pipeline N.
--
--   wrk -t T -c C -d D -s pipeline.lua URL -- N
--
-- Each connection writes N requests for URL's path at once, then reads the
-- N answers, then writes the next N (as wrk's own examples/pipeline.lua,
-- with N and the path chosen by the caller). Each request carries its
-- position in the batch in its query string (?pipeline=1..N), so that an
-- access log tells the requests of one batch apart.

local batch = nil

function init(args)
	local n = tonumber(args[1])
	if n == nil or n < 1 then
		error("pipeline.lua: expected a positive count after --")
	end
	local path = wrk.path
	local sep = "?"
	if string.find(path, "?", 1, true) then
		sep = "&"
	end
	local r = {}
	for i = 1, n do
		r[i] = wrk.format(nil, path .. sep .. "pipeline=" .. i)
	end
	batch = table.concat(r)
end

function request()
	return batch
end
