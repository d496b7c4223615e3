/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lttng-analyzerd's dashboard: plain JavaScript over the daemon's REST API
 * (doc/openapi.yaml) and its event stream; no build step, no network but
 * the daemon. Views by URL fragment:
 *   #/                   sessions and analyses
 *   #/a/ID               one analysis, live (charts, errors)
 *   #/a/ID/requests?...  its request table (filters in the fragment)
 *   #/a/ID/r/RID         one request (calls per thread, path)
 *
 * Memory stays bounded whatever the run's length: at most MAX_POINTS
 * windows per component, MAX_ERRORS error rows, one page of requests; and
 * a live analysis redraws its charts at most once per LIVE_REDRAW_MS, only
 * those whose numbers changed (see scheduleRedraw()).
 * The numbers the charts draw are also written, as JSON, in the
 * data-points attribute of each chart's figure (tests read them there).
 */
"use strict";

const MAX_POINTS = 1800; /* Windows kept per component (30 min at 1/s). */
const MAX_ERRORS = 200;
const POLL_MS = 2000;
const LIVE_REDRAW_MS = 1000; /* Live updates redraw at most this often. */
const DEFAULT_QUERY = 1; /* Every analysis's 1 s windows per component. */

const $ = (sel, root) => (root || document).querySelector(sel);

/* --- numbers and times --------------------------------------------------- */

/*
 * JSON with its int64 nanosecond times exact: integers past 2^53 are kept
 * as their decimal text (Number() of it for arithmetic).
 */
function parseJson(text) {
	return JSON.parse(text, (key, value, ctx) => {
		if (typeof value === "number" && !Number.isSafeInteger(value) &&
		    Number.isInteger(value) && ctx && typeof ctx.source === "string" &&
		    /^-?\d+$/.test(ctx.source)) {
			return ctx.source;
		}
		return value;
	});
}

/* A duration in ns, in the unit its magnitude calls for. */
function fmtDur(ns) {
	if (ns === null || ns === undefined || ns === "") {
		return "–";
	}
	const v = Number(ns), a = Math.abs(v);
	if (a < 1e3) {
		return v.toFixed(0) + " ns";
	}
	if (a < 1e6) {
		return (v / 1e3).toFixed(a < 1e4 ? 2 : 1) + " µs";
	}
	if (a < 1e9) {
		return (v / 1e6).toFixed(a < 1e7 ? 2 : 1) + " ms";
	}
	return (v / 1e9).toFixed(a < 1e10 ? 3 : 1) + " s";
}

/* The unit for a chart's axis from its largest value: [name, divisor]. */
function durUnit(maxNs) {
	if (maxNs < 1e3) {
		return ["ns", 1];
	}
	if (maxNs < 1e6) {
		return ["µs", 1e3];
	}
	if (maxNs < 1e9) {
		return ["ms", 1e6];
	}
	return ["s", 1e9];
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
	hour: "2-digit", minute: "2-digit", second: "2-digit",
	fractionalSecondDigits: 3, hour12: false,
});
const dateFormat = new Intl.DateTimeFormat(undefined, {
	year: "numeric", month: "2-digit", day: "2-digit",
});

/* A time in ns since the epoch, in the browser's time zone. */
function fmtTime(ns, withDate) {
	if (ns === null || ns === undefined) {
		return "–";
	}
	const d = new Date(Number(ns) / 1e6);
	return (withDate ? dateFormat.format(d) + " " : "") + timeFormat.format(d);
}

function fmtNum(v, digits) {
	if (v === null || v === undefined) {
		return "–";
	}
	return Number(v).toLocaleString(undefined, {
		maximumFractionDigits: digits || 0,
	});
}

/* A <time> element showing NS, the exact ns in its title and data-ns. */
function timeEl(ns, withDate) {
	const t = document.createElement("time");
	t.textContent = fmtTime(ns, withDate);
	if (ns !== null && ns !== undefined) {
		t.dataset.ns = String(ns);
		t.title = String(ns) + " ns since the epoch";
		t.dateTime = new Date(Number(ns) / 1e6).toISOString();
	}
	return t;
}

/* datetime-local value <-> ns (text, exact to the ms of the input). */
function inputToNs(value) {
	if (!value) {
		return "";
	}
	const ms = new Date(value).getTime();
	return Number.isFinite(ms) ? (BigInt(ms) * 1000000n).toString() : "";
}

function nsToInput(ns) {
	if (ns === "" || ns === null || ns === undefined) {
		return "";
	}
	const d = new Date(Number(ns) / 1e6);
	const p = (n, w) => String(n).padStart(w || 2, "0");
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T` +
		`${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.` +
		p(d.getMilliseconds(), 3);
}

/* Builds an element: el("td", {className: "num"}, "text", child...). */
function el(tag, props, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (k === "dataset") {
			Object.assign(e.dataset, v);
		} else if (k.startsWith("on")) {
			e.addEventListener(k.slice(2), v);
		} else {
			e[k] = v;
		}
	}
	for (const c of children) {
		if (c === null || c === undefined) {
			continue;
		}
		e.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return e;
}

/* --- the API -------------------------------------------------------------- */

const token = {
	get() {
		return sessionStorage.getItem("lta-token") || "";
	},
	set(t) {
		if (t) {
			sessionStorage.setItem("lta-token", t);
		} else {
			sessionStorage.removeItem("lta-token");
		}
		$("#token-button").textContent = t ? "Token ✓" : "Token";
	},
	/* Asks for it once per tab; resolves "" when cancelled. */
	ask() {
		const dlg = $("#token-dialog"), input = $("#token-input");
		input.value = "";
		return new Promise((resolve) => {
			dlg.addEventListener("close", () => {
				const t = dlg.returnValue === "ok" ? input.value.trim() : "";
				if (t) {
					token.set(t);
				}
				resolve(t);
			}, { once: true });
			dlg.showModal();
		});
	},
};

class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

async function api(method, path, body) {
	const headers = {};
	const t = token.get();
	if (t) {
		headers.Authorization = "Bearer " + t;
	}
	if (method !== "GET") {
		headers["Content-Type"] = "application/json";
	}
	const res = await fetch(path, {
		method, headers, cache: "no-store",
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json = null;
	try {
		json = text ? parseJson(text) : null;
	} catch (e) {
		json = null;
	}
	if (!res.ok) {
		const err = json && json.error ? json.error : {};
		if (res.status === 401) {
			token.set("");
		}
		throw new ApiError(res.status, err.code || "http_" + res.status,
				   err.message || res.statusText);
	}
	return json;
}

/* A change (POST, DELETE): asks for the token first when there is none. */
async function change(method, path, body) {
	if (!token.get()) {
		await token.ask();
	}
	return api(method, path, body);
}

function showMessage(text, kind, status) {
	const m = $("#msg");
	m.textContent = text;
	m.className = "msg " + (kind || "info");
	m.dataset.kind = kind || "info";
	m.dataset.status = status ? String(status) : "";
	m.hidden = false;
}

function showError(e, what) {
	if (e instanceof ApiError) {
		showMessage(`${what} failed: ${e.status} ${e.code}: ${e.message}` +
			    (e.status === 401 ? " (set the token: Token button)" : ""),
			    "error", e.status);
	} else {
		showMessage(`${what} failed: ${e.message || e}`, "error");
	}
}

/* --- the event stream ----------------------------------------------------- */

/*
 * A Server-Sent Events reader over fetch (it can send the token, which an
 * EventSource cannot), resuming with Last-Event-ID after a cut. Its state
 * shows in #conn: live, reconnecting, ended.
 */
class Stream {
	constructor(url, onEvent) {
		this.url = url;
		this.onEvent = onEvent;
		this.lastId = "";
		this.stopped = false;
		this.controller = null;
		this.retryMs = 1000;
		this.run();
	}

	setState(state, text) {
		const c = $("#conn");
		c.dataset.state = state;
		c.textContent = text || state;
	}

	stop() {
		this.stopped = true;
		if (this.controller) {
			this.controller.abort();
		}
		this.setState("idle");
	}

	async run() {
		while (!this.stopped) {
			let ended = false;
			try {
				ended = await this.once();
			} catch (e) {
				if (this.stopped) {
					return;
				}
			}
			if (ended) {
				this.setState("ended");
				return;
			}
			if (this.stopped) {
				return;
			}
			this.setState("reconnecting");
			await new Promise((r) => setTimeout(r, this.retryMs));
		}
	}

	/* One connection; resolves true when the stream ended for good. */
	async once() {
		const headers = { Accept: "text/event-stream" };
		const t = token.get();
		if (t) {
			headers.Authorization = "Bearer " + t;
		}
		if (this.lastId) {
			headers["Last-Event-ID"] = this.lastId;
		}
		this.controller = new AbortController();
		const res = await fetch(this.url, {
			headers, cache: "no-store", signal: this.controller.signal,
		});
		if (res.status === 204) {
			return true;
		}
		if (!res.ok || !res.body) {
			throw new Error("status " + res.status);
		}
		this.setState("live");
		const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
		let buf = "", ended = false;
		for (;;) {
			const { value, done } = await reader.read();
			if (done) {
				break;
			}
			buf += value;
			let cut;
			while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
				const block = buf.slice(0, cut);
				buf = buf.slice(cut).replace(/^\r?\n\r?\n/, "");
				if (this.block(block)) {
					ended = true;
				}
			}
		}
		return ended;
	}

	/* One event block; returns true for the stream's end. */
	block(text) {
		let id = "", event = "message", data = [];
		for (const line of text.split(/\r?\n/)) {
			if (line.startsWith(":")) {
				continue;
			}
			const colon = line.indexOf(":");
			const field = colon < 0 ? line : line.slice(0, colon);
			const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
			if (field === "id") {
				id = value;
			} else if (field === "event") {
				event = value;
			} else if (field === "data") {
				data.push(value);
			} else if (field === "retry" && /^\d+$/.test(value)) {
				this.retryMs = Math.max(250, Number(value));
			}
		}
		if (id) {
			this.lastId = id;
		}
		if (!data.length) {
			return false;
		}
		let json = null;
		try {
			json = parseJson(data.join("\n"));
		} catch (e) {
			return false;
		}
		if (event === "end" || event === "dropped") {
			this.onEvent(event, json, id);
			return event === "end";
		}
		this.onEvent(event, json, id);
		return false;
	}
}

/* --- state ---------------------------------------------------------------- */

const state = {
	view: "",
	analysis: null,   /* Id of the analysis shown. */
	stream: null,
	pollTimer: null,
	/* Windows per component: Map component -> Map start -> window. */
	windows: new Map(),
	range: { from: "", to: "" },
	component: "",
	errors: new Map(), /* id -> error, newest kept. */
	errorCounts: null, /* From /stats, then live. */
	stats: null,
	charts: {},
	/* What the next redraw updates: the windows' charts, the errors'. */
	dirty: { windows: false, errors: false },
	redrawFrame: 0,
	redrawTimer: null,
	lastRedraw: 0,
	requests: { cursors: [0], page: 0, next: null, rows: [] },
};

/* --- sessions and analyses ------------------------------------------------ */

let knownAnalyses = [];

async function loadOverview() {
	try {
		const a = await api("GET", "/api/v1/analyses");
		knownAnalyses = a.analyses || [];
		renderAnalyses(knownAnalyses);
	} catch (e) {
		showError(e, "Listing analyses");
	}
	try {
		const s = await api("GET", "/api/v1/sessions");
		renderSessions(s.sessions || []);
		$("#sessions-note").textContent = "";
	} catch (e) {
		renderSessions([]);
		$("#sessions-note").textContent = e instanceof ApiError
			? `Sessions unavailable: ${e.code}: ${e.message}` : String(e);
	}
}

function renderAnalyses(list) {
	const tb = $("#analyses tbody");
	tb.replaceChildren(...list.map((a) => el("tr", { dataset: { id: a.id } },
		el("td", { className: "num" }, el("a", { href: `#/a/${a.id}` }, a.id)),
		el("td", {}, a.kind),
		el("td", { className: "src", title: a.source }, a.source),
		el("td", {}, el("span", { className: "badge s-" + a.status }, a.status)),
		el("td", { className: "num" }, fmtNum(a.events)),
		el("td", { className: "num" + (a.discarded_events ? " warn" : "") },
		   fmtNum(a.discarded_events)),
		el("td", { className: "num" }, fmtDur(a.lag_ns)),
		el("td", { className: "num" }, fmtNum(a.requests)),
		el("td", { className: "num" }, fmtNum(a.requests_open)))));
}

function renderSessions(list) {
	const tb = $("#sessions tbody");
	tb.replaceChildren(...list.map((s) => {
		const name = s.name;
		const act = (label, method, path) => el("button", {
			type: "button", className: "act-" + label.toLowerCase(),
			onclick: async () => {
				try {
					await change(method, path);
					showMessage(`${label}: session ${name}: done`, "ok");
				} catch (e) {
					showError(e, `${label} session ${name}`);
				}
				loadOverview();
			},
		}, label);
		const enc = encodeURIComponent(name);
		/* Its newest analysis: the one reading its live URL. */
		const mine = knownAnalyses.filter((a) => a.kind === "live" &&
			String(a.source).endsWith("/" + name));
		const aid = mine.length ? mine[mine.length - 1].id : null;
		return el("tr", { dataset: { name } },
			el("td", {}, name),
			el("td", {}, s.state),
			el("td", { className: "num" }, fmtDur((s.live_timer_us || 0) * 1000)),
			el("td", { className: "src", title: s.url }, s.url),
			el("td", {}, aid ? el("a", { href: `#/a/${aid}` }, aid) : "–"),
			el("td", { className: "actions" },
				act("Start", "POST", `/api/v1/sessions/${enc}/start`),
				act("Stop", "POST", `/api/v1/sessions/${enc}/stop`),
				act("Destroy", "DELETE", `/api/v1/sessions/${enc}`)));
	}));
}

function setupOverviewForms() {
	$("#session-form").addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const f = ev.target;
		const body = { name: f.name.value.trim(), analyze: f.analyze.checked };
		if (f.timer_ms.value) {
			body.live_timer_us = Math.round(Number(f.timer_ms.value) * 1000);
		}
		if (f.ust.checked) {
			body.ust = {};
		}
		if (f.kernel.checked) {
			body.kernel = {};
		}
		try {
			const r = await change("POST", "/api/v1/sessions", body);
			showMessage(`Session ${body.name} created` +
				    (r && r.analysis_id ? `, analysis ${r.analysis_id}` : ""),
				    "ok", 201);
			if (r && r.analysis_id) {
				$("#msg").dataset.analysis = String(r.analysis_id);
			}
		} catch (e) {
			showError(e, `Creating session ${body.name}`);
		}
		loadOverview();
	});
	$("#analysis-form").addEventListener("submit", async (ev) => {
		ev.preventDefault();
		const src = ev.target.source.value.trim();
		const body = src.startsWith("net://") ? { url: src } : { path: src };
		try {
			const r = await change("POST", "/api/v1/analyses", body);
			showMessage(`Analysis ${r.id} started`, "ok", 201);
			location.hash = `#/a/${r.id}`;
		} catch (e) {
			showError(e, "Starting the analysis");
		}
		loadOverview();
	});
}

/* --- one analysis: figures and charts ------------------------------------- */

function keyOf(w) {
	const g = w.group || {};
	return g.component || g.process || Object.values(g).join("/") || "all";
}

/* Adds a closed window; the oldest go past MAX_POINTS per component. */
function addWindow(w) {
	const comp = keyOf(w);
	let m = state.windows.get(comp);
	if (!m) {
		m = new Map();
		state.windows.set(comp, m);
		updateComponents();
	}
	m.set(String(w.start), {
		start: w.start, end: w.end, component: comp, count: w.count,
		rate: w.rate, errors: w.errors, p50: w.p50, p90: w.p90,
		p99: w.p99, max: w.max,
	});
	if (m.size > MAX_POINTS) {
		const keys = [...m.keys()].sort((a, b) => Number(a) - Number(b));
		for (const k of keys.slice(0, m.size - MAX_POINTS)) {
			m.delete(k);
		}
	}
}

function updateComponents() {
	const sel = $("#component");
	const comps = [...state.windows.keys()].sort();
	if (!state.component || !state.windows.has(state.component)) {
		state.component = comps[0] || "";
	}
	sel.replaceChildren(...comps.map((c) => el("option", { value: c, selected: c === state.component }, c)));
	$("#component-label").hidden = comps.length < 2;
}

function inRange(w) {
	const s = Number(w.start);
	return (!state.range.from || s >= Number(state.range.from)) &&
		(!state.range.to || s < Number(state.range.to));
}

function sortedPoints(comp) {
	const m = state.windows.get(comp);
	if (!m) {
		return [];
	}
	return [...m.values()].filter(inRange).sort((a, b) => Number(a.start) - Number(b.start));
}

function makeChart(id, type, options) {
	if (typeof Chart === "undefined") {
		return null; /* No chart library: the figures still hold the numbers. */
	}
	const canvas = $(`#${id} canvas`);
	return new Chart(canvas, {
		type,
		data: { labels: [], datasets: [] },
		options: Object.assign({
			animation: false, responsive: true, maintainAspectRatio: false,
			parsing: false, normalized: true,
			interaction: { mode: "nearest", intersect: false },
			plugins: { legend: { position: "bottom" } },
		}, options),
	});
}

const palette = ["#2f6fb3", "#e08a1e", "#c0392b", "#2a9d8f", "#8e44ad", "#7f8c8d"];

function timeAxis() {
	return {
		type: "linear",
		ticks: { callback: (v) => timeFormat.format(new Date(v)).slice(0, 8), maxRotation: 0 },
	};
}

function ensureCharts() {
	if (state.charts.latency || typeof Chart === "undefined") {
		return;
	}
	state.charts.latency = makeChart("chart-latency", "line", {
		scales: { x: timeAxis(), y: { beginAtZero: true } },
		elements: { point: { radius: 0 } },
	});
	state.charts.throughput = makeChart("chart-throughput", "line", {
		scales: { x: timeAxis(), y: { beginAtZero: true } },
		elements: { point: { radius: 0 } },
	});
	state.charts.errors = makeChart("chart-errors", "bar", {
		parsing: true,
		plugins: { legend: { display: false } },
		scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
	});
}

function destroyCharts() {
	for (const c of Object.values(state.charts)) {
		if (c) {
			c.destroy();
		}
	}
	state.charts = {};
}

/*
 * Asks for a redraw of what changed: WHAT is "windows" (the latency and
 * throughput charts, the range's figures), "errors" (the errors chart), or
 * absent for both. A change the user made is drawn at the next animation
 * frame; LIVE changes (events, polled figures) at most once per
 * LIVE_REDRAW_MS, and only the charts whose numbers changed: each Chart.js
 * update resolves all of a chart's options again (in the order of 1 MB of
 * short-lived objects per update), and redrawing every chart on every
 * event made the renderer's memory climb during a live run
 * (bench/dashboard.sh).
 */
function scheduleRedraw(what, live) {
	if (!what || what === "windows") {
		state.dirty.windows = true;
	}
	if (!what || what === "errors") {
		state.dirty.errors = true;
	}
	if (state.redrawFrame || (live && state.redrawTimer)) {
		return; /* Already asked for: it draws everything dirty. */
	}
	cancelRedrawTimer();
	const wait = live ? state.lastRedraw + LIVE_REDRAW_MS - Date.now() : 0;
	if (wait > 0) {
		state.redrawTimer = setTimeout(() => {
			state.redrawTimer = null;
			redrawAtNextFrame();
		}, wait);
	} else {
		redrawAtNextFrame();
	}
}

function redrawAtNextFrame() {
	state.redrawFrame = requestAnimationFrame(() => {
		state.redrawFrame = 0;
		state.lastRedraw = Date.now();
		redraw();
	});
}

function cancelRedrawTimer() {
	if (state.redrawTimer) {
		clearTimeout(state.redrawTimer);
		state.redrawTimer = null;
	}
}

function redraw() {
	const dirty = state.dirty;
	state.dirty = { windows: false, errors: false };
	if (dirty.windows) {
		redrawWindows();
	}
	if (dirty.errors) {
		redrawErrors();
	}
}

/* The latency and throughput charts, the range's figures. */
function redrawWindows() {
	const comp = state.component;
	const pts = sortedPoints(comp);
	const lat = $("#chart-latency");
	lat.dataset.points = JSON.stringify(pts);
	lat.dataset.component = comp;
	let max = 0;
	for (const p of pts) {
		max = Math.max(max, p.p99 || 0, p.p90 || 0, p.p50 || 0);
	}
	const [unit, div] = durUnit(max);
	$("#chart-latency .unit").textContent = `(${unit})`;
	lat.dataset.unit = unit;

	const tp = $("#chart-throughput");
	const comps = [...state.windows.keys()].sort();
	const tpPoints = [];
	for (const c of comps) {
		for (const p of sortedPoints(c)) {
			tpPoints.push({ start: p.start, component: c, count: p.count, rate: p.rate });
		}
	}
	tp.dataset.points = JSON.stringify(tpPoints);

	/* Figures of the range, from the windows in it. */
	let n = 0, secs = 0, worst = 0;
	for (const p of pts) {
		n += p.count || 0;
		secs += (Number(p.end) - Number(p.start)) / 1e9;
		worst = Math.max(worst, p.max || 0);
	}
	const rf = $("#range-figures");
	rf.textContent = pts.length
		? `${comp}: ${fmtNum(n)} requests in ${pts.length} windows, ` +
		  `${fmtNum(secs ? n / secs : 0, 1)}/s, slowest ${fmtDur(worst)}`
		: "no window in this range";
	rf.dataset.requests = String(n);

	/* The request table follows the range and the component too. */
	const q = new URLSearchParams();
	if (comp && state.windows.size > 1) {
		q.set("process", comp);
	}
	if (state.range.from) {
		q.set("from", state.range.from);
	}
	if (state.range.to) {
		q.set("to", state.range.to);
	}
	$("#link-requests").href = `#/a/${state.analysis}/requests` + (q.size ? "?" + q : "");

	const ch = state.charts;
	if (ch.latency) {
		const x = (p) => Number(p.start) / 1e6;
		ch.latency.data.datasets = ["p50", "p90", "p99"].map((f, i) => ({
			label: f, borderColor: palette[i], backgroundColor: palette[i],
			borderWidth: 1.5,
			data: pts.map((p) => ({ x: x(p), y: p[f] === null ? null : p[f] / div })),
		}));
		ch.latency.options.scales.y.title = { display: true, text: unit };
		ch.latency.update("none");
		ch.throughput.data.datasets = comps.map((c, i) => ({
			label: c, borderColor: palette[i % palette.length],
			backgroundColor: palette[i % palette.length], borderWidth: 1.5,
			data: tpPoints.filter((p) => p.component === c).map((p) => ({ x: x(p), y: p.rate })),
		}));
		ch.throughput.update("none");
	}
}

/* The errors chart: the counts of /stats, then of the events. */
function redrawErrors() {
	const ec = state.errorCounts || { InE: 0, CoE: 0, crash: 0, late_ends: 0 };
	$("#chart-errors").dataset.points = JSON.stringify(ec);
	const ch = state.charts;
	if (ch.errors) {
		ch.errors.data.labels = ["InE", "CoE", "crash", "late ends"];
		ch.errors.data.datasets = [{
			label: "errors", backgroundColor: palette.slice(0, 4),
			data: [ec.InE, ec.CoE, ec.crash, ec.late_ends],
		}];
		ch.errors.update("none");
	}
}

function renderStats(s) {
	state.stats = s;
	const l = s.latency || {};
	const p = l.percentiles || {};
	const figs = {
		requests: s.counts ? s.counts.requests : null,
		complete: s.counts ? s.counts.complete : null,
		throughput: s.throughput,
		p50: p["50"], p90: p["90"], p99: p["99"], max: l.max,
		errors: s.errors,
		components: (s.components || []).map((c) => c.process),
	};
	const dl = $("#stats");
	dl.dataset.stats = JSON.stringify(figs);
	const item = (k, v) => [el("div", {}, el("dt", {}, k), el("dd", {}, v))];
	dl.replaceChildren(
		...item("Requests", fmtNum(figs.requests)),
		...item("Throughput", fmtNum(figs.throughput, 1) + "/s"),
		...item("p50", fmtDur(figs.p50)),
		...item("p90", fmtDur(figs.p90)),
		...item("p99", fmtDur(figs.p99)),
		...item("Max", fmtDur(figs.max)),
		...item("Errors", s.errors
			? `${s.errors.InE} InE, ${s.errors.CoE} CoE, ${s.errors.crash} crash`
			: "–"));
	if (s.errors) {
		state.errorCounts = Object.assign({}, s.errors);
	}
}

function errorRow(e) {
	const open = () => {
		/* The request it names: its process's requests around its start. */
		const from = (BigInt(String(e.start_ns)) - 1000000n).toString();
		location.hash = `#/a/${state.analysis}/requests?process=` +
			encodeURIComponent(e.entity || "") + `&from=${from}`;
	};
	const tr = el("tr", {
		tabIndex: 0, className: "clickable",
		dataset: { id: e.id, shownMs: String(Date.now()), type: e.type },
		title: "Open the requests of this process at this time",
		onclick: open,
		onkeydown: (ev) => {
			if (ev.key === "Enter") {
				open();
			}
		},
	},
		el("td", { className: "num" }, e.id),
		el("td", {}, el("span", { className: "badge e-" + e.type }, e.type)),
		el("td", {}, e.origin),
		el("td", {}, `${e.entity} (${e.pid})`),
		el("td", { className: "src", title: e.name }, e.name),
		el("td", {}, timeEl(e.start_ns)),
		el("td", { className: "num" }, fmtDur(e.timeout_ns)),
		el("td", { className: "late" }, e.late_end_ns ? timeEl(e.late_end_ns) : "–"));
	return tr;
}

/* Adds an error row at the top (newest first), at most MAX_ERRORS. */
function addError(e, live) {
	const tb = $("#errors tbody");
	if (state.errors.has(String(e.id))) {
		return;
	}
	state.errors.set(String(e.id), e);
	const row = errorRow(e);
	if (live) {
		row.classList.add("fresh");
	}
	tb.prepend(row);
	while (tb.rows.length > MAX_ERRORS) {
		const last = tb.rows[tb.rows.length - 1];
		state.errors.delete(last.dataset.id);
		last.remove();
	}
}

async function loadAnalysis(id) {
	const stale = () => state.analysis !== id || state.view !== "analysis";
	try {
		const a = await api("GET", `/api/v1/analyses/${id}`);
		renderAnalysisHead(a);
	} catch (e) {
		showError(e, `Reading analysis ${id}`);
		return;
	}
	try {
		renderStats(await api("GET", `/api/v1/analyses/${id}/stats`));
	} catch (e) {
		showError(e, "Reading the statistics");
	}
	/* The default query's windows, newest MAX_POINTS per component kept. */
	try {
		let after = 0, pages = 0;
		while (pages++ < 200 && !stale()) {
			const page = await api("GET",
				`/api/v1/analyses/${id}/queries/${DEFAULT_QUERY}/windows?limit=1000&after=${after}`);
			for (const w of page.windows || []) {
				addWindow(w);
			}
			if (!page.next) {
				break;
			}
			after = page.next;
		}
	} catch (e) {
		if (!(e instanceof ApiError && e.status === 404)) {
			showError(e, "Reading the windows");
		}
	}
	try {
		const errs = await api("GET", `/api/v1/analyses/${id}/errors?limit=${MAX_ERRORS}`);
		for (const e of errs.errors || []) {
			addError(e, false);
		}
	} catch (e) {
		showError(e, "Reading the errors");
	}
	if (stale()) {
		return;
	}
	scheduleRedraw();
	/* Then live: everything after what was read comes as events. */
	state.stream = new Stream(`/api/v1/analyses/${id}/events?kinds=window,error,late_end,status`,
		(kind, data) => onAnalysisEvent(id, kind, data));
	state.pollTimer = setInterval(async () => {
		try {
			renderAnalysisHead(await api("GET", `/api/v1/analyses/${id}`));
			if (state.stats === null || (state.lastStatus && state.lastStatus !== "ended")) {
				const counts = JSON.stringify(state.errorCounts);
				renderStats(await api("GET", `/api/v1/analyses/${id}/stats`));
				if (JSON.stringify(state.errorCounts) !== counts) {
					scheduleRedraw("errors", true);
				}
			}
		} catch (e) {
			/* The stream's state says it when the daemon is away. */
		}
	}, POLL_MS);
}

function renderAnalysisHead(a) {
	state.lastStatus = a.status;
	$("#analysis-title").textContent = `Analysis ${a.id}: ${a.source}`;
	const b = $("#analysis-status");
	b.textContent = `${a.status} · ${fmtNum(a.events)} events · ` +
		`${fmtNum(a.discarded_events)} discarded · lag ${fmtDur(a.lag_ns)}`;
	b.className = "badge s-" + a.status;
	b.dataset.status = a.status;
}

function onAnalysisEvent(id, kind, d) {
	if (state.analysis !== id) {
		return;
	}
	if (kind === "window") {
		if (!d.query || d.query === DEFAULT_QUERY) {
			addWindow(d);
			scheduleRedraw("windows", true);
		}
	} else if (kind === "error") {
		if (!state.errors.has(String(d.id))) {
			addError(d, true);
			if (state.errorCounts && d.type in state.errorCounts) {
				state.errorCounts[d.type]++;
			}
			scheduleRedraw("errors", true);
		}
	} else if (kind === "late_end") {
		const row = $(`#errors tr[data-id="${d.id}"]`);
		if (row && d.late_end_ns) {
			row.querySelector(".late").replaceChildren(timeEl(d.late_end_ns));
		}
	} else if (kind === "status") {
		const b = $("#analysis-status");
		b.dataset.status = d.status;
	}
}

function setupAnalysisForm() {
	const f = $("#range-form");
	f.addEventListener("submit", (ev) => {
		ev.preventDefault();
		state.range = { from: inputToNs(f.from.value), to: inputToNs(f.to.value) };
		scheduleRedraw("windows");
	});
	$("#range-all").addEventListener("click", () => {
		state.range = { from: "", to: "" };
		f.from.value = "";
		f.to.value = "";
		scheduleRedraw("windows");
	});
	$("#range-last").addEventListener("click", () => {
		let last = 0;
		for (const m of state.windows.values()) {
			for (const w of m.values()) {
				last = Math.max(last, Number(w.end));
			}
		}
		if (!last) {
			return;
		}
		const to = BigInt(Math.round(last / 1e6)) * 1000000n;
		state.range = { from: (to - 60000000000n).toString(), to: to.toString() };
		f.from.value = nsToInput(state.range.from);
		f.to.value = nsToInput(state.range.to);
		scheduleRedraw("windows");
	});
	$("#component").addEventListener("change", (ev) => {
		state.component = ev.target.value;
		scheduleRedraw("windows");
	});
}

/* --- the request table ---------------------------------------------------- */

function requestQuery(params) {
	const q = new URLSearchParams();
	for (const k of ["process", "min_duration", "end_reason", "from", "to"]) {
		if (params.get(k)) {
			q.set(k, params.get(k));
		}
	}
	return q;
}

async function loadRequests(id, params) {
	const r = state.requests;
	const limit = Number(params.get("limit") || 50);
	const q = requestQuery(params);
	const table = $("#requests");
	table.dataset.loaded = "";
	q.set("limit", String(limit));
	q.set("after", String(r.cursors[r.page] || 0));
	try {
		const page = await api("GET", `/api/v1/analyses/${id}/requests?${q}`);
		r.rows = page.requests || [];
		r.next = page.next;
	} catch (e) {
		showError(e, "Reading the requests");
		r.rows = [];
		r.next = null;
	}
	renderRequests(id);
	/* What the table shows now: tests wait for their own page. */
	table.dataset.loaded = `${location.hash}|${r.page}`;
}

function renderRequests(id) {
	const r = state.requests;
	const tb = $("#requests tbody");
	tb.replaceChildren(...r.rows.map((q) => {
		const open = () => {
			location.hash = `#/a/${id}/r/${q.id}`;
		};
		return el("tr", {
			tabIndex: 0, className: "clickable", dataset: { id: q.id },
			onclick: open,
		},
			el("td", { className: "num" }, q.id),
			el("td", {}, timeEl(q.start_ns)),
			el("td", {}, q.procname),
			el("td", { className: "num" }, q.pid),
			el("td", { className: "num", dataset: { ns: String(q.duration_ns) } }, fmtDur(q.duration_ns)),
			el("td", {}, q.end_reason),
			el("td", { className: "num" }, q.connection ? `${q.connection.id}#${q.connection.position}` : "–"));
	}));
	$("#requests").dataset.ids = JSON.stringify(r.rows.map((q) => q.id));
	$("#page-info").textContent = `page ${r.page + 1}, ${r.rows.length} rows`;
	$("#page-prev").disabled = r.page === 0;
	$("#page-next").disabled = !r.next;
	if (tb.rows.length) {
		tb.rows[0].focus({ preventScroll: true });
	}
}

function setupRequestTable() {
	const f = $("#filter-form");
	f.addEventListener("submit", (ev) => {
		ev.preventDefault();
		const p = new URLSearchParams();
		if (f.process.value.trim()) {
			p.set("process", f.process.value.trim());
		}
		if (f.min_ms.value) {
			p.set("min_duration", String(Math.round(Number(f.min_ms.value) * 1e6)));
		}
		if (f.end_reason.value) {
			p.set("end_reason", f.end_reason.value);
		}
		if (f.from.value) {
			p.set("from", inputToNs(f.from.value));
		}
		if (f.to.value) {
			p.set("to", inputToNs(f.to.value));
		}
		p.set("limit", f.limit.value);
		location.hash = `#/a/${state.analysis}/requests?${p}`;
	});
	const go = (delta) => {
		const r = state.requests;
		if (delta > 0 && r.next) {
			r.cursors[r.page + 1] = r.next;
			r.page++;
		} else if (delta < 0 && r.page > 0) {
			r.page--;
		} else {
			return;
		}
		loadRequests(state.analysis, currentParams());
	};
	$("#page-next").addEventListener("click", () => go(1));
	$("#page-prev").addEventListener("click", () => go(-1));
	$("#requests tbody").addEventListener("keydown", (ev) => {
		const row = ev.target.closest("tr");
		if (!row) {
			return;
		}
		if (ev.key === "ArrowDown" && row.nextElementSibling) {
			row.nextElementSibling.focus();
		} else if (ev.key === "ArrowUp" && row.previousElementSibling) {
			row.previousElementSibling.focus();
		} else if (ev.key === "Enter") {
			row.click();
		} else if (ev.key === "PageDown") {
			go(1);
		} else if (ev.key === "PageUp") {
			go(-1);
		} else {
			return;
		}
		ev.preventDefault();
	});
}

/* --- one request ---------------------------------------------------------- */

async function loadRequest(id, rid) {
	let r;
	try {
		r = await api("GET", `/api/v1/analyses/${id}/requests/${rid}`);
	} catch (e) {
		showError(e, `Reading request ${rid}`);
		return;
	}
	$("#request-title").textContent = `Request ${rid} of analysis ${id}: ` +
		`${r.procname} (${r.pid})`;
	const item = (k, v) => [el("div", {}, el("dt", {}, k), el("dd", {}, v))];
	const sched = r.sched || null;
	$("#request-figures").replaceChildren(
		...item("Start", timeEl(r.start_ns, true)),
		...item("Duration", fmtDur(r.duration_ns)),
		...item("End", r.end_reason + (r.incomplete ? " (incomplete)" : "")),
		...item("Bytes", `${fmtNum(r.bytes_read)} read, ${fmtNum(r.bytes_written)} written`),
		...item("Request", r.request_line || "–"),
		...item("Calls", `${r.calls_total}${r.truncated ? " (truncated)" : ""}`),
		...(sched ? item("Time", `running ${fmtDur(sched.running_ns)}, ` +
			`waiting ${fmtDur(sched.waiting_ns)}, blocked ${fmtDur(sched.blocked_ns)}`) : []));
	renderTimeline(r);
	renderCalls(r);
	const pathBox = $("#request-path");
	pathBox.hidden = true;
	if (r.upstream || (r.downstream && r.downstream.length)) {
		try {
			const p = await api("GET", `/api/v1/analyses/${id}/requests/${rid}/path`);
			renderPath(id, p.root);
			pathBox.hidden = false;
		} catch (e) {
			showError(e, "Reading the path");
		}
	}
}

function renderPath(id, node) {
	const li = (n) => el("li", {},
		el("a", { href: `#/a/${id}/r/${n.id}` }, `${n.component} #${n.id}`),
		` ${fmtDur(n.duration_ns)} (own ${fmtDur(n.time ? n.time.own_ns : null)})`,
		n.downstream && n.downstream.length ? el("ul", {}, ...n.downstream.map(li)) : null);
	$("#request-path .path").replaceChildren(li(node));
}

function renderTimeline(r) {
	const box = $("#timeline");
	const calls = r.calls || [];
	const start = Number(r.start_ns), span = Math.max(1, Number(r.duration_ns) ||
		Math.max(...calls.map((c) => Number(c.start_ns) + c.duration_ns - start), 1));
	const byTid = new Map();
	for (const c of calls) {
		if (!byTid.has(c.tid)) {
			byTid.set(c.tid, []);
		}
		byTid.get(c.tid).push(c);
	}
	box.replaceChildren(...[...byTid.entries()].map(([tid, list]) => {
		const lane = el("div", { className: "lane-bars" });
		let busy = 0;
		for (const c of list) {
			const left = Math.max(0, (Number(c.start_ns) - start) / span * 100);
			const bar = el("span", {
				className: "bar", tabIndex: -1,
				title: `${c.name} at ${offset(Number(c.start_ns) - start)}, ` +
					`${fmtDur(c.duration_ns)}, ret ${c.ret}`,
			});
			bar.style.left = left.toFixed(3) + "%";
			bar.style.width = Math.max(0.15, c.duration_ns / span * 100).toFixed(3) + "%";
			lane.append(bar);
			busy += c.duration_ns || 0;
		}
		return el("div", { className: "lane", dataset: { tid } },
			el("span", { className: "lane-name" }, `tid ${tid}`,
			   el("small", {}, ` ${list.length} calls, ${fmtDur(busy)} in calls`)),
			lane);
	}));
	box.dataset.count = String(calls.length);
}

/* A time relative to the request's start: "+1.2 ms", "−3.8 µs". */
function offset(ns) {
	return (ns < 0 ? "−" : "+") + fmtDur(Math.abs(ns));
}

function renderCalls(r) {
	const calls = r.calls || [];
	const start = Number(r.start_ns);
	const args = (a) => Object.entries(a || {}).map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : v}`).join(", ");
	$("#calls tbody").replaceChildren(...calls.map((c, i) => el("tr", {},
		el("td", { className: "num" }, i + 1),
		el("td", { className: "num" }, c.tid),
		el("td", {}, c.name),
		el("td", { className: "num", title: String(c.start_ns) + " ns" }, offset(Number(c.start_ns) - start)),
		el("td", { className: "num" }, fmtDur(c.duration_ns)),
		el("td", { className: "num" }, c.ret === undefined ? "–" : c.ret),
		el("td", { className: "args" }, args(c.args)))));
	$("#calls").dataset.count = String(calls.length);
	$("#calls").dataset.loaded = location.hash;
}

/* --- routing -------------------------------------------------------------- */

function currentParams() {
	const h = location.hash;
	const q = h.indexOf("?");
	return new URLSearchParams(q >= 0 ? h.slice(q + 1) : "");
}

function leaveAnalysis() {
	cancelRedrawTimer();
	if (state.stream) {
		state.stream.stop();
		state.stream = null;
	}
	if (state.pollTimer) {
		clearInterval(state.pollTimer);
		state.pollTimer = null;
	}
}

function show(view) {
	for (const s of document.querySelectorAll(".view")) {
		s.hidden = s.id !== "view-" + view;
	}
	state.view = view;
	document.body.dataset.view = view;
}

function crumbs(id, extra) {
	const c = $("#crumbs");
	const parts = [el("a", { href: "#/" }, "Overview")];
	if (id) {
		parts.push(" › ", el("a", { href: `#/a/${id}` }, `Analysis ${id}`));
		parts.push(" › ", el("a", { href: `#/a/${id}/requests` }, "Requests"));
	}
	if (extra) {
		parts.push(" › ", extra);
	}
	c.replaceChildren(...parts);
}

let overviewTimer = null;

function route() {
	const h = location.hash.replace(/\?.*$/, "");
	let m;
	if (overviewTimer) {
		clearInterval(overviewTimer);
		overviewTimer = null;
	}
	if ((m = h.match(/^#\/a\/(\d+)$/))) {
		const id = Number(m[1]);
		if (state.view !== "analysis" || state.analysis !== id) {
			leaveAnalysis();
			destroyCharts();
			state.analysis = id;
			state.windows = new Map();
			state.errors = new Map();
			state.errorCounts = null;
			state.stats = null;
			state.component = "";
			updateComponents();
			$("#errors tbody").replaceChildren();
			show("analysis");
			ensureCharts();
			loadAnalysis(id);
			$("#link-requests").href = `#/a/${id}/requests`;
		}
		crumbs(id);
		return;
	}
	leaveAnalysis();
	state.view = "";
	if ((m = h.match(/^#\/a\/(\d+)\/requests$/))) {
		const id = Number(m[1]);
		state.analysis = id;
		const p = currentParams();
		state.requests = {
			cursors: [p.get("after") || 0], page: 0, next: null, rows: [],
		};
		const f = $("#filter-form");
		f.process.value = p.get("process") || "";
		f.min_ms.value = p.get("min_duration") ? Number(p.get("min_duration")) / 1e6 : "";
		f.end_reason.value = p.get("end_reason") || "";
		f.from.value = nsToInput(p.get("from"));
		f.to.value = nsToInput(p.get("to"));
		f.limit.value = p.get("limit") || "50";
		$("#requests-title").textContent = `Requests of analysis ${id}`;
		show("requests");
		crumbs(id);
		loadRequests(id, p);
		return;
	}
	if ((m = h.match(/^#\/a\/(\d+)\/r\/(\d+)$/))) {
		state.analysis = Number(m[1]);
		show("request");
		crumbs(m[1], `Request ${m[2]}`);
		$("#calls").dataset.count = "0";
		loadRequest(Number(m[1]), Number(m[2]));
		return;
	}
	show("overview");
	crumbs(null);
	loadOverview();
	overviewTimer = setInterval(loadOverview, POLL_MS);
}

function init() {
	token.set(token.get());
	$("#token-button").addEventListener("click", () => token.ask());
	setupOverviewForms();
	setupAnalysisForm();
	setupRequestTable();
	window.addEventListener("hashchange", route);
	route();
	document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", init);
