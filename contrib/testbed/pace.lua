-- SPDX-License-Identifier: GPL-2.0-only
-- pace.lua: a wrk script that caps the request rate, for run.sh --rate.
--
--   wrk -t T -c C -d D -s pace.lua URL -- PER_THREAD_RATE
--
-- Plain wrk 4 sends the next request as soon as the previous response is in.
-- wrk2 keeps a constant rate; Debian has no wrk2, so this script spaces the
-- requests of each wrk thread with wrk's delay() hook: every request takes
-- the next free slot of a schedule of PER_THREAD_RATE slots per second,
-- shared by the thread's connections, and waits for it. The rate is thus at
-- most T * PER_THREAD_RATE; lower when the connections cannot keep up.
--
-- Unlike wrk2, latency is not corrected for coordinated omission: wrk
-- starts its clock when the request is written, after the wait, so a late
-- response delays the next request instead of counting as latency.
--
-- wrk runs each thread in its own Lua state: the schedule is per thread.

local ffi = require("ffi")

ffi.cdef [[
struct lta_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct lta_timespec *tp);
]]

local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("struct lta_timespec")

local function now_ms()
	ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
	return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local interval_ms = nil
local next_slot_ms = nil

function init(args)
	local rate = tonumber(args[1])
	if rate == nil or rate <= 0 then
		error("pace.lua: expected a positive rate per thread after --")
	end
	interval_ms = 1000 / rate
end

-- Called before each request (also the first one of a new connection):
-- milliseconds to wait before writing it.
function delay()
	local now = now_ms()
	if next_slot_ms == nil or next_slot_ms < now then
		-- Idle slots are not saved up: no burst after a slow period.
		next_slot_ms = now
	end
	local slot = next_slot_ms
	next_slot_ms = next_slot_ms + interval_ms
	return math.floor(slot - now + 0.5)
end
