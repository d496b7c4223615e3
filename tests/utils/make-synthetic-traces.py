#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# make-synthetic-traces.py OUTDIR
#
# Writes small, deterministic CTF 1.8 traces that mimic what LTTng's
# kernel and user-space tracers produce.  Each trace lands in its own
# subfolder of OUTDIR:
#
#   OUTDIR/kernel-2.4-names   old (LTTng 2.4-era) syscall event names
#   OUTDIR/kernel-contexts    modern syscall names + procname/pid/tid context
#   OUTDIR/ust-contexts       user-space provider:event names + vpid/vtid
#   OUTDIR/odd-fields         every awkward field type, empty payloads
#   OUTDIR/discarded          discarded events (42) and packets (3)
#
# The traces are produced by a Python source component (this file)
# connected to babeltrace2's `sink.ctf.fs` component, through the
# babeltrace2 2.0 Python bindings (Debian package `python3-bt2`).
#
# Timestamps: the clock class `monotonic` has frequency 1 GHz, its
# origin is the Unix epoch, and its offset is 1600000000 s, so an event
# with a raw value of N cycles is at exactly
# 1_600_000_000_000_000_000 + N ns from the origin.
#
# The exact content of every trace is documented in
# tests/utils/README-synthetic-traces.md; keep both files in sync.
#
# Prints nothing and exits 0 on success; on failure prints a message on
# stderr and exits non-zero (2: usage error, 1: anything else).

import os
import re
import shutil
import struct
import sys
import uuid

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "make-synthetic-traces.py"


def _die(msg, status=1):
    sys.stderr.write("{}: error: {}\n".format(PROG, msg))
    sys.exit(status)


try:
    import bt2
except ImportError:
    # The Debian `python3-bt2` package installs into the system
    # interpreter's dist-packages; a `python3` found first in PATH (pyenv,
    # venv, ...) may not see it.  Re-run once with the system interpreter.
    _sys_py = "/usr/bin/python3"
    if (
        os.environ.get("MAKE_SYNTH_TRACES_REEXEC") != "1"
        and os.path.exists(_sys_py)
        and os.path.realpath(sys.executable) != os.path.realpath(_sys_py)
    ):
        os.environ["MAKE_SYNTH_TRACES_REEXEC"] = "1"
        os.execv(_sys_py, [_sys_py, os.path.abspath(__file__)] + sys.argv[1:])
    _die(
        "cannot import the babeltrace2 Python bindings (module `bt2`); "
        "install them with `apt-get install -y python3-bt2`"
    )


# ---------------------------------------------------------------------------
# Constants shared by all traces
# ---------------------------------------------------------------------------

CLOCK_OFFSET_S = 1_600_000_000  # origin offset of the clock class, seconds
BASE_NS = CLOCK_OFFSET_S * 1_000_000_000  # = 1.6e18 ns; cycles are added to it
HOSTNAME = "synth-host"

# Fixed UUIDs so that the output is byte-for-byte reproducible
# (sink.ctf.fs would otherwise generate a random trace UUID).
_UUID_NS = uuid.UUID("6c74746e-672d-616e-616c-797a65722d31")


def _fixed_uuid(name):
    return uuid.uuid5(_UUID_NS, name)


def _kernel_env(name):
    return {
        "hostname": HOSTNAME,
        "domain": "kernel",
        "tracer_name": "lttng-modules",
        "tracer_major": 2,
        "tracer_minor": 13,
        "tracer_patch": 0,
        "sysname": "Linux",
        "kernel_release": "5.10.0-synthetic",
        "trace_name": name,
    }


def _ust_env(name):
    return {
        "hostname": HOSTNAME,
        "domain": "ust",
        "tracer_name": "lttng-ust",
        "tracer_major": 2,
        "tracer_minor": 13,
        "tracer_patch": 0,
        "tracer_buffering_scheme": "uid",
        "trace_name": name,
    }


# ---------------------------------------------------------------------------
# Small helpers to describe field classes and values
# ---------------------------------------------------------------------------


class Sel:
    """Value of a variant field: select option `index`, then assign `value`."""

    def __init__(self, index, value):
        self.index = index
        self.value = value


def _assign(field, value):
    """Recursively assign a Python value to a bt2 field."""
    if isinstance(value, Sel):
        field.selected_option_index = value.index
        _assign(field.selected_option, value.value)
    elif isinstance(value, dict):
        for key, sub in value.items():
            _assign(field[key], sub)
    elif isinstance(value, (list, tuple)):
        if isinstance(field, bt2._DynamicArrayField):
            field.length = len(value)
        elif len(field) != len(value):
            raise ValueError("static array length mismatch")
        for i, sub in enumerate(value):
            _assign(field[i], sub)
    else:
        field.value = value


class Types:
    """Field class factory bound to one trace class."""

    def __init__(self, tc):
        self.tc = tc

    def s(self, bits, base=None):
        return self.tc.create_signed_integer_field_class(bits, preferred_display_base=base)

    def u(self, bits, base=None):
        return self.tc.create_unsigned_integer_field_class(bits, preferred_display_base=base)

    def string(self):
        return self.tc.create_string_field_class()

    def struct(self, members):
        fc = self.tc.create_structure_field_class()
        for name, member_fc in members:
            fc.append_member(name, member_fc)
        return fc


HEX = bt2.IntegerDisplayBase.HEXADECIMAL


# ---------------------------------------------------------------------------
# The trace "script": a list of steps, turned into messages by the iterator
# ---------------------------------------------------------------------------


class Script:
    """Builds the ordered list of message-making steps for one trace."""

    def __init__(self):
        self.steps = []

    def stream_begin(self, stream):
        self.steps.append(lambda it: it._create_stream_beginning_message(stream))

    def stream_end(self, stream):
        self.steps.append(lambda it: it._create_stream_end_message(stream))

    def packet_begin(self, packet, ts):
        self.steps.append(
            lambda it: it._create_packet_beginning_message(packet, default_clock_snapshot=ts)
        )

    def packet_end(self, packet, ts):
        self.steps.append(
            lambda it: it._create_packet_end_message(packet, default_clock_snapshot=ts)
        )

    def event(self, ec, packet, ts, payload=None, common=None):
        def make(it):
            msg = it._create_event_message(ec, packet, default_clock_snapshot=ts)
            if common is not None:
                _assign(msg.event.common_context_field, common)
            if payload is not None:
                _assign(msg.event.payload_field, payload)
            return msg

        self.steps.append(make)

    def discarded_events(self, stream, count, beg, end):
        self.steps.append(
            lambda it: it._create_discarded_events_message(
                stream, count=count, beg_clock_snapshot=beg, end_clock_snapshot=end
            )
        )

    def discarded_packets(self, stream, count, beg, end):
        self.steps.append(
            lambda it: it._create_discarded_packets_message(
                stream, count=count, beg_clock_snapshot=beg, end_clock_snapshot=end
            )
        )


def _common_setup(comp, name, env):
    tc = comp._create_trace_class(assigns_automatic_stream_class_id=True)
    cc = comp._create_clock_class(
        frequency=1_000_000_000,
        name="monotonic",
        description="synthetic monotonic clock",
        precision=0,
        offset=bt2.ClockClassOffset(seconds=CLOCK_OFFSET_S, cycles=0),
        origin_is_unix_epoch=True,
        uuid=_fixed_uuid(name + "/clock"),
    )
    trace = tc(name=name, uuid=_fixed_uuid(name), environment=env)
    return tc, cc, trace, Types(tc)


def _packet(trace, sc, name, cpu):
    stream = trace.create_stream(sc, name=name)
    pkt = stream.create_packet()
    pkt.context_field["cpu_id"] = cpu
    return stream, pkt


# ---------------------------------------------------------------------------
# Trace 1: kernel-2.4-names
# ---------------------------------------------------------------------------


def build_kernel_24_names(comp):
    name = "kernel-2.4-names"
    tc, cc, trace, t = _common_setup(comp, name, _kernel_env(name))
    sc = tc.create_stream_class(
        name="kernel",
        default_clock_class=cc,
        supports_packets=True,
        packets_have_beginning_default_clock_snapshot=True,
        packets_have_end_default_clock_snapshot=True,
        packet_context_field_class=t.struct([("cpu_id", t.u(32))]),
    )
    ev = lambda n, members: sc.create_event_class(name=n, payload_field_class=t.struct(members))
    statedump = ev(
        "lttng_statedump_process_state",
        [
            ("tid", t.s(32)),
            ("pid", t.s(32)),
            ("ppid", t.s(32)),
            ("name", t.string()),
            ("type", t.s(32)),
            ("mode", t.s(32)),
            ("submode", t.s(32)),
            ("status", t.s(32)),
        ],
    )
    sched_switch = ev(
        "sched_switch",
        [
            ("prev_comm", t.string()),
            ("prev_tid", t.s(32)),
            ("prev_prio", t.s(32)),
            ("prev_state", t.s(64)),
            ("next_comm", t.string()),
            ("next_tid", t.s(32)),
            ("next_prio", t.s(32)),
        ],
    )
    sys_open = ev("sys_open", [("filename", t.string()), ("flags", t.s(32)), ("mode", t.u(16))])
    sys_read = ev("sys_read", [("fd", t.u(32)), ("buf", t.u(64)), ("count", t.u(64))])
    sys_close = ev("sys_close", [("fd", t.u(32))])
    sys_connect = ev("sys_connect", [("fd", t.s(32)), ("uservaddr", t.u(64)), ("addrlen", t.s(32))])
    sys_write = ev("sys_write", [("fd", t.u(32)), ("buf", t.u(64)), ("count", t.u(64))])
    exit_syscall = ev("exit_syscall", [("ret", t.s(64))])

    s0, p0 = _packet(trace, sc, "channel0_0", 0)
    s1, p1 = _packet(trace, sc, "channel0_1", 1)

    def sd(tid, pid, comm):
        return dict(tid=tid, pid=pid, ppid=1, name=comm, type=0, mode=1, submode=1, status=5)

    def sw(prev_comm, prev_tid, prev_state, next_comm, next_tid):
        return dict(
            prev_comm=prev_comm,
            prev_tid=prev_tid,
            prev_prio=20,
            prev_state=prev_state,
            next_comm=next_comm,
            next_tid=next_tid,
            next_prio=20,
        )

    s = Script()
    s.stream_begin(s0)
    s.stream_begin(s1)
    s.packet_begin(p0, 0)
    s.packet_begin(p1, 0)
    s.event(statedump, p0, 1000, sd(100, 100, "server"))
    s.event(statedump, p0, 2000, sd(101, 100, "server"))
    s.event(statedump, p0, 3000, sd(200, 200, "client"))
    s.event(sched_switch, p0, 10000, sw("swapper/0", 0, 0, "server", 100))
    s.event(sched_switch, p1, 11000, sw("swapper/1", 0, 0, "client", 200))
    s.event(sys_open, p0, 20000, dict(filename="/etc/hosts", flags=0, mode=0))
    s.event(exit_syscall, p0, 21000, dict(ret=3))
    s.event(sys_connect, p1, 25000, dict(fd=4, uservaddr=140737488347136, addrlen=16))
    s.event(sys_read, p0, 30000, dict(fd=3, buf=140737488351232, count=4096))
    s.event(exit_syscall, p1, 30500, dict(ret=-111))
    s.event(exit_syscall, p0, 31000, dict(ret=10))
    s.event(sys_close, p0, 40000, dict(fd=3))
    s.event(exit_syscall, p0, 41000, dict(ret=0))
    s.event(sched_switch, p0, 50000, sw("server", 100, 1, "server", 101))
    s.event(sys_write, p0, 60000, dict(fd=1, buf=140737488355328, count=5))
    s.event(exit_syscall, p0, 61000, dict(ret=5))
    s.packet_end(p0, 100000)
    s.packet_end(p1, 100000)
    s.stream_end(s0)
    s.stream_end(s1)
    return s.steps


# ---------------------------------------------------------------------------
# Trace 2: kernel-contexts
# ---------------------------------------------------------------------------


def _kernel_ctx_stream_class(tc, cc, t, **kwargs):
    return tc.create_stream_class(
        name="kernel",
        default_clock_class=cc,
        supports_packets=True,
        packets_have_beginning_default_clock_snapshot=True,
        packets_have_end_default_clock_snapshot=True,
        packet_context_field_class=t.struct([("cpu_id", t.u(32))]),
        event_common_context_field_class=t.struct(
            [("procname", t.string()), ("pid", t.s(32)), ("tid", t.s(32))]
        ),
        **kwargs
    )


def build_kernel_contexts(comp):
    name = "kernel-contexts"
    tc, cc, trace, t = _common_setup(comp, name, _kernel_env(name))
    sc = _kernel_ctx_stream_class(tc, cc, t)
    ev = lambda n, members: sc.create_event_class(name=n, payload_field_class=t.struct(members))

    entry_accept4 = ev(
        "syscall_entry_accept4",
        [
            ("fd", t.s(32)),
            ("upeer_sockaddr", t.u(64, HEX)),
            ("upeer_addrlen", t.s(32)),
            ("flags", t.s(32)),
        ],
    )
    v4_len = t.u(32)
    v6_len = t.u(32)
    exit_accept4 = ev(
        "syscall_exit_accept4",
        [
            ("ret", t.s(64)),
            ("upeer_addrlen", t.s(32)),
            ("family", t.u(32)),
            ("sport", t.u(16)),
            ("_v4addr_length", v4_len),
            ("v4addr", tc.create_dynamic_array_field_class(t.u(8), v4_len)),
            ("_v6addr_length", v6_len),
            ("v6addr", tc.create_dynamic_array_field_class(t.u(8), v6_len)),
        ],
    )
    entry_read = ev("syscall_entry_read", [("fd", t.u(32)), ("count", t.u(64))])
    exit_read = ev("syscall_exit_read", [("ret", t.s(64)), ("buf", t.u(64))])
    entry_shutdown = ev("syscall_entry_shutdown", [("fd", t.s(32)), ("how", t.s(32))])
    exit_shutdown = ev("syscall_exit_shutdown", [("ret", t.s(64))])
    entry_close = ev("syscall_entry_close", [("fd", t.u(32))])
    exit_close = ev("syscall_exit_close", [("ret", t.s(64))])
    proc_exit = ev(
        "sched_process_exit", [("comm", t.string()), ("tid", t.s(32)), ("prio", t.s(32))]
    )

    s0, p0 = _packet(trace, sc, "channel0_0", 0)
    ctx = dict(procname="apache2", pid=300, tid=301)

    s = Script()
    s.stream_begin(s0)
    s.packet_begin(p0, 0)
    s.event(
        entry_accept4,
        p0,
        1000,
        dict(fd=3, upeer_sockaddr=0x7FFC12340000, upeer_addrlen=16, flags=0),
        ctx,
    )
    s.event(
        exit_accept4,
        p0,
        2000,
        dict(
            ret=7,
            upeer_addrlen=16,
            family=2,
            sport=40000,
            _v4addr_length=4,
            v4addr=[127, 0, 0, 1],
            _v6addr_length=0,
            v6addr=[],
        ),
        ctx,
    )
    s.event(entry_read, p0, 3000, dict(fd=7, count=4096), ctx)
    s.event(exit_read, p0, 4000, dict(ret=120, buf=140737488351232), ctx)
    s.event(entry_shutdown, p0, 5000, dict(fd=7, how=1), ctx)
    s.event(exit_shutdown, p0, 6000, dict(ret=0), ctx)
    s.event(entry_close, p0, 7000, dict(fd=7), ctx)
    s.event(exit_close, p0, 8000, dict(ret=0), ctx)
    s.event(proc_exit, p0, 9000, dict(comm="apache2", tid=301, prio=20), ctx)
    s.packet_end(p0, 10000)
    s.stream_end(s0)
    return s.steps


# ---------------------------------------------------------------------------
# Trace 3: ust-contexts
# ---------------------------------------------------------------------------


def build_ust_contexts(comp):
    name = "ust-contexts"
    tc, cc, trace, t = _common_setup(comp, name, _ust_env(name))
    sc = tc.create_stream_class(
        name="ust",
        default_clock_class=cc,
        supports_packets=True,
        packets_have_beginning_default_clock_snapshot=True,
        packets_have_end_default_clock_snapshot=True,
        packet_context_field_class=t.struct([("cpu_id", t.u(32))]),
        event_common_context_field_class=t.struct(
            [("vpid", t.s(32)), ("vtid", t.s(32)), ("procname", t.string())]
        ),
    )
    ev = lambda n, members: sc.create_event_class(name=n, payload_field_class=t.struct(members))
    entry_write = ev(
        "lttng_analyzer_syscall:entry_write",
        [("fd", t.u(32)), ("buf", t.u(64)), ("count", t.u(64))],
    )
    exit_write = ev("lttng_analyzer_syscall:exit_write", [("ret", t.s(64))])
    request_done = ev(
        "myapp:request_done",
        [("status", t.s(32)), ("path", t.string()), ("latency_us", t.u(64))],
    )
    # The user-space tracer's sockname event, laid out as
    # contrib/syscall-tracer/lttng-analyzer-syscall-tp.h declares it.
    v4_len = t.u(32)
    v6_len = t.u(32)
    sockname = ev(
        "lttng_analyzer_syscall:sockname",
        [
            ("fd", t.s(32)),
            ("family", t.u(16)),
            ("lport", t.u(16)),
            ("_v4addr_length", v4_len),
            ("v4addr", tc.create_dynamic_array_field_class(t.u(8), v4_len)),
            ("_v6addr_length", v6_len),
            ("v6addr", tc.create_dynamic_array_field_class(t.u(16), v6_len)),
            ("local_path", t.string()),
            ("peer_path", t.string()),
            ("peer_pid", t.s(32)),
        ],
    )

    def sock(fd, family, lport, v4, v6, local_path, peer_path, peer_pid):
        return dict(
            fd=fd,
            family=family,
            lport=lport,
            _v4addr_length=len(v4),
            v4addr=v4,
            _v6addr_length=len(v6),
            v6addr=v6,
            local_path=local_path,
            peer_path=peer_path,
            peer_pid=peer_pid,
        )

    s0, p0 = _packet(trace, sc, "channel0_0", 0)
    ctx = dict(vpid=400, vtid=401, procname="myapp")

    s = Script()
    s.stream_begin(s0)
    s.packet_begin(p0, 0)
    s.event(entry_write, p0, 1000, dict(fd=1, buf=140737488355328, count=12), ctx)
    s.event(exit_write, p0, 2000, dict(ret=12), ctx)
    s.event(request_done, p0, 3000, dict(status=200, path="/index.html", latency_us=1500), ctx)
    # A unix client that makes ten writes, then two TCP clients whose paths
    # are empty. babeltrace2 before 2.0.5 reuses the event object of the
    # first sockname for a later one, once enough events came in between,
    # and shows its stale peer_path for the empty one: the decoder must not.
    s.event(sockname, p0, 4000, sock(5, 1, 0, [], [], "", "/run/mysqld/mysqld.sock", 500), ctx)
    for i in range(10):
        s.event(entry_write, p0, 5000 + 200 * i, dict(fd=5, buf=140737488355328, count=12), ctx)
        s.event(exit_write, p0, 5100 + 200 * i, dict(ret=12), ctx)
    s.event(sockname, p0, 8000, sock(6, 2, 40000, [127, 0, 0, 1], [], "", "", -1), ctx)
    s.event(sockname, p0, 9000, sock(7, 10, 8080, [], [0, 0, 0, 0, 0, 0, 0, 1], "", "", -1), ctx)
    s.packet_end(p0, 10000)
    s.stream_end(s0)
    return s.steps


# ---------------------------------------------------------------------------
# Trace 4: odd-fields
# ---------------------------------------------------------------------------


def build_odd_fields(comp):
    name = "odd-fields"
    tc, cc, trace, t = _common_setup(comp, name, _kernel_env(name))
    sc = tc.create_stream_class(
        name="kernel",
        default_clock_class=cc,
        supports_packets=True,
        packets_have_beginning_default_clock_snapshot=True,
        packets_have_end_default_clock_snapshot=True,
        packet_context_field_class=t.struct([("cpu_id", t.u(32))]),
    )

    U = bt2.UnsignedIntegerRangeSet
    S = bt2.SignedIntegerRangeSet

    # Unsigned enumeration used as the variant selector.
    sel_fc = tc.create_unsigned_enumeration_field_class(8)
    sel_fc.add_mapping("INT", U([0]))
    sel_fc.add_mapping("STR", U([1]))
    var_fc = tc.create_variant_field_class(selector_fc=sel_fc)
    var_fc.append_option("INT", t.s(32), U([0]))
    var_fc.append_option("STR", t.string(), U([1]))

    senum_fc = tc.create_signed_enumeration_field_class(8)
    senum_fc.add_mapping("NEG", S([(-128, -1)]))
    senum_fc.add_mapping("ZERO", S([0]))
    senum_fc.add_mapping("POS", S([(1, 127)]))

    uenum_fc = tc.create_unsigned_enumeration_field_class(16)
    uenum_fc.add_mapping("OFF", U([0]))
    uenum_fc.add_mapping("ON", U([1]))
    uenum_fc.add_mapping("MANY", U([(2, 9), (100, 199)]))

    pts_len = t.u(32)
    point_fc = t.struct([("x", t.s(32)), ("y", t.s(32))])

    weird = sc.create_event_class(
        name="weird_event",
        payload_field_class=t.struct(
            [
                ("st", t.struct([("a", t.u(8)), ("b", t.string())])),
                ("sel", sel_fc),
                ("var", var_fc),
                ("arr16", tc.create_static_array_field_class(t.u(8), 16)),
                ("_pts_length", pts_len),
                ("pts", tc.create_dynamic_array_field_class(point_fc, pts_len)),
                ("senum", senum_fc),
                ("uenum", uenum_fc),
                ("dbl", tc.create_double_precision_real_field_class()),
                ("flt", tc.create_single_precision_real_field_class()),
                ("flag", tc.create_bool_field_class()),
                ("u64max", t.u(64)),
                ("s64min", t.s(64)),
                ("hex32", t.u(32, HEX)),
                ("utf8", t.string()),
                ("empty", t.string()),
            ]
        ),
    )
    # No payload field class at all.
    empty_event = sc.create_event_class(name="empty_event")
    unknown = sc.create_event_class(
        name="totally_unknown_event",
        payload_field_class=t.struct([("value", t.u(32)), ("note", t.string())]),
    )
    # Empty payload *structure* (this is what LTTng writes for
    # syscalls without arguments).
    entry_getpid = sc.create_event_class(
        name="syscall_entry_getpid", payload_field_class=t.struct([])
    )
    exit_getpid = sc.create_event_class(
        name="syscall_exit_getpid", payload_field_class=t.struct([("ret", t.s(64))])
    )

    s0, p0 = _packet(trace, sc, "channel0_0", 0)

    s = Script()
    s.stream_begin(s0)
    s.packet_begin(p0, 0)
    s.event(
        weird,
        p0,
        1000,
        dict(
            st=dict(a=1, b="inner"),
            sel=1,
            var=Sel(1, "variant-string"),
            arr16=list(range(16)),
            _pts_length=2,
            pts=[dict(x=1, y=-1), dict(x=2, y=-2)],
            senum=-1,
            uenum=1,
            dbl=-2.5,
            flt=0.5,
            flag=True,
            u64max=2**64 - 1,
            s64min=-(2**63),
            hex32=0xDEADBEEF,
            utf8="h\u00e9llo w\u00f6rld \u2713",
            empty="",
        ),
    )
    s.event(empty_event, p0, 2000)
    s.event(unknown, p0, 3000, dict(value=42, note="unknown"))
    s.event(entry_getpid, p0, 4000)
    s.event(exit_getpid, p0, 5000, dict(ret=1234))
    s.packet_end(p0, 10000)
    s.stream_end(s0)
    return s.steps


# ---------------------------------------------------------------------------
# Trace 5: discarded
# ---------------------------------------------------------------------------


def build_discarded(comp):
    name = "discarded"
    tc, cc, trace, t = _common_setup(comp, name, _kernel_env(name))
    sc = _kernel_ctx_stream_class(
        tc,
        cc,
        t,
        supports_discarded_events=True,
        discarded_events_have_default_clock_snapshots=True,
        supports_discarded_packets=True,
        discarded_packets_have_default_clock_snapshots=True,
    )
    entry_read = sc.create_event_class(
        name="syscall_entry_read",
        payload_field_class=t.struct([("fd", t.u(32)), ("count", t.u(64))]),
    )
    exit_read = sc.create_event_class(
        name="syscall_exit_read",
        payload_field_class=t.struct([("ret", t.s(64)), ("buf", t.u(64))]),
    )

    stream = trace.create_stream(sc, name="channel0_0")
    pkts = []
    for _ in range(3):
        pkt = stream.create_packet()
        pkt.context_field["cpu_id"] = 0
        pkts.append(pkt)

    ctx = dict(procname="reader", pid=500, tid=500)
    BUF = 140737488351232

    def rd(pkt, ts, ret):
        s.event(entry_read, pkt, ts, dict(fd=3, count=4096), ctx)
        s.event(exit_read, pkt, ts + 1000, dict(ret=ret, buf=BUF), ctx)

    s = Script()
    s.stream_begin(stream)
    # Packet 1
    s.packet_begin(pkts[0], 0)
    rd(pkts[0], 1000, 100)
    rd(pkts[0], 3000, 200)
    s.packet_end(pkts[0], 10000)
    # 42 events lost between the end of packet 1 and the end of packet 2
    s.discarded_events(stream, 42, 10000, 20000)
    # Packet 2
    s.packet_begin(pkts[1], 10000)
    rd(pkts[1], 12000, 300)
    s.packet_end(pkts[1], 20000)
    # 3 whole packets lost between the end of packet 2 and the
    # beginning of packet 3
    s.discarded_packets(stream, 3, 20000, 50000)
    # Packet 3
    s.packet_begin(pkts[2], 50000)
    rd(pkts[2], 51000, 400)
    s.packet_end(pkts[2], 60000)
    s.stream_end(stream)
    return s.steps


TRACES = [
    ("kernel-2.4-names", build_kernel_24_names),
    ("kernel-contexts", build_kernel_contexts),
    ("ust-contexts", build_ust_contexts),
    ("odd-fields", build_odd_fields),
    ("discarded", build_discarded),
]


# ---------------------------------------------------------------------------
# Source component class and graph
# ---------------------------------------------------------------------------


class _SynthIter(bt2._UserMessageIterator):
    def __init__(self, config, self_output_port):
        self._steps = self_output_port.user_data
        self._pos = 0

    def __next__(self):
        if self._pos >= len(self._steps):
            raise StopIteration
        step = self._steps[self._pos]
        self._pos += 1
        return step(self)


class _SynthSource(bt2._UserSourceComponent, message_iterator_class=_SynthIter):
    def __init__(self, config, params, obj):
        builder = obj
        self._add_output_port("out", builder(self))


def _write_trace(ctf_sink_cls, builder, out_path):
    graph = bt2.Graph()
    src = graph.add_component(_SynthSource, "synth", obj=builder)
    sink = graph.add_component(
        ctf_sink_cls,
        "ctf-sink",
        params={"path": out_path, "assume-single-trace": True, "quiet": True},
    )
    graph.connect_ports(src.output_ports["out"], sink.input_ports["in"])
    graph.run()
    # sink.ctf.fs writes the metadata file when it is finalized, that is,
    # when the graph is destroyed: drop every reference now.
    del graph, src, sink


_TRACE_UUID_RE = re.compile(
    r'^(trace \{\n\tmajor = 1;\n\tminor = 8;\n\tuuid = ")([0-9a-f-]{36})(";\n)', re.M
)
_PACKET_HEADER_TSDL = (
    "\tpacket.header := struct {\n"
    "\t\tinteger { size = 32; align = 8; base = x; } magic;\n"
    "\t\tinteger { size = 8; align = 8; } uuid[16];\n"
    "\t\tinteger { size = 64; align = 8; } stream_id;\n"
    "\t\tinteger { size = 64; align = 8; } stream_instance_id;\n"
    "\t} align(8);\n"
)
_CTF_MAGIC = struct.pack("<I", 0xC1FC1FC1)


def _fix_trace_uuid(path, new_uuid):
    """Replace the random trace UUID that sink.ctf.fs 2.0 generates.

    sink.ctf.fs ignores the trace IR UUID and always writes a freshly
    generated (random) one, in the metadata and in the header of every
    packet.  Rewrite both with `new_uuid` so that the output is
    byte-for-byte reproducible.  Every assumption about the layout is
    checked; anything unexpected is an error.
    """
    meta_path = os.path.join(path, "metadata")
    with open(meta_path, "r", encoding="utf-8") as f:
        meta = f.read()
    m = _TRACE_UUID_RE.search(meta)
    if m is None or _PACKET_HEADER_TSDL not in meta or "byte_order = le;" not in meta:
        raise RuntimeError("unexpected metadata layout in `{}`".format(meta_path))
    old = uuid.UUID(m.group(2))
    meta = meta[: m.start(2)] + str(new_uuid) + meta[m.end(2) :]

    # Packet layout: magic (4 bytes), uuid (16 bytes), stream_id (8),
    # stream_instance_id (8), then the packet context, which sink.ctf.fs
    # always starts with the 64-bit `packet_size` (in bits).
    if "\tpacket.context := struct {\n\t\tinteger { size = 64; align = 8; } packet_size;\n" not in meta:
        raise RuntimeError("unexpected packet context layout in `{}`".format(meta_path))

    for entry in sorted(os.listdir(path)):
        ds_path = os.path.join(path, entry)
        if entry == "metadata" or not os.path.isfile(ds_path):
            continue
        with open(ds_path, "rb") as f:
            data = bytearray(f.read())
        off = 0
        while off < len(data):
            if data[off : off + 4] != _CTF_MAGIC or data[off + 4 : off + 20] != old.bytes:
                raise RuntimeError("unexpected packet header in `{}` at {}".format(ds_path, off))
            data[off + 4 : off + 20] = new_uuid.bytes
            (size_bits,) = struct.unpack_from("<Q", data, off + 36)
            if size_bits == 0 or size_bits % 8:
                raise RuntimeError("bad packet size in `{}` at {}".format(ds_path, off))
            off += size_bits // 8
        if off != len(data):
            raise RuntimeError("truncated packet in `{}`".format(ds_path))
        with open(ds_path, "wb") as f:
            f.write(data)

    with open(meta_path, "w", encoding="utf-8") as f:
        f.write(meta)


def _check_dest(path):
    """A destination may only be absent, empty, or a previously written trace."""
    if os.path.lexists(path):
        if not (
            os.path.isdir(path)
            and not os.path.islink(path)
            and (os.path.isfile(os.path.join(path, "metadata")) or not os.listdir(path))
        ):
            _die("refusing to overwrite `{}`: it exists and is not a CTF trace folder".format(path))


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: {} OUTDIR\n".format(PROG))
        return 2

    outdir = argv[1]
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        _die("cannot create output folder `{}`: {}".format(outdir, exc))

    ctf = bt2.find_plugin("ctf")
    if ctf is None or "fs" not in ctf.sink_component_classes:
        _die("cannot find babeltrace2's `sink.ctf.fs` component class (plugin `ctf`)")
    ctf_sink_cls = ctf.sink_component_classes["fs"]

    # Check every destination before writing anything.
    for name, _ in TRACES:
        _check_dest(os.path.join(outdir, name))

    for name, builder in TRACES:
        dest = os.path.join(outdir, name)
        if os.path.lexists(dest):
            try:
                shutil.rmtree(dest)
            except OSError as exc:
                _die("cannot remove previous trace `{}`: {}".format(dest, exc))
        try:
            _write_trace(ctf_sink_cls, builder, dest)
        except bt2._Error as exc:
            _die("cannot write trace `{}`:\n{}".format(dest, exc))
        except Exception as exc:
            _die("cannot write trace `{}`: {}: {}".format(dest, type(exc).__name__, exc))
        if not os.path.isfile(os.path.join(dest, "metadata")):
            _die("trace `{}` was not written (no metadata file)".format(dest))
        try:
            _fix_trace_uuid(dest, _fixed_uuid(name))
        except (OSError, RuntimeError, ValueError) as exc:
            _die("cannot set the UUID of trace `{}`: {}".format(dest, exc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
