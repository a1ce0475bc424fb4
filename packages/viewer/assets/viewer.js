// The viewer page: plain DOM code, no framework, nothing fetched but this server's /api routes.
// State lives in the URL (?page=N, ?row=N, &filter=, &search=, &tolerance=) so every view can be shared.

const ROWS_PER_PAGE = 50;
const THUMBNAIL_MAX_SIDE = 256;
const DETAIL_MAX_SIDE = 1024;
const VERIFY_POLL_MS = 500;
/** Streams whose durations differ by more than this many seconds are flagged (?tolerance= changes it). */
const DEFAULT_DRIFT_TOLERANCE_SECONDS = 0.1;

let summary;
const elements = {};
for (const id of ['file-name', 'summary', 'file-changed', 'info-details', 'info', 'fields', 'statistics-section', 'statistics', 'previous-page', 'page-label', 'next-page', 'jump-form', 'jump-input', 'search-form', 'search-input', 'active-filter', 'error', 'detail', 'grid']) {
  elements[id] = document.getElementById(id);
}

/** Makes an element: `element('td', { className: 'x', title: 'y' }, child, 'text')`. */
function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

async function api(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  elements.error.hidden = error === undefined;
  elements.error.textContent = error === undefined ? '' : String(error.message ?? error);
}

function formatBytes(byteLength) {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = byteLength;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function readState() {
  const query = new URLSearchParams(location.search);
  const integer = (name) => {
    const text = query.get(name);
    return text !== null && /^\d+$/.test(text) ? Number(text) : undefined;
  };
  const row = integer('row');
  // ?row=N alone shows the grid page holding that row (without a filter or search).
  const filtered = Boolean(query.get('filter') || query.get('search'));
  const page = integer('page') ?? (row === undefined || filtered ? 1 : Math.floor(row / ROWS_PER_PAGE) + 1);
  const toleranceText = query.get('tolerance');
  const tolerance = toleranceText !== null && /^\d+(\.\d+)?$/.test(toleranceText) ? Number(toleranceText) : undefined;
  return { page: Math.max(1, page), row, filter: query.get('filter') ?? '', search: query.get('search') ?? '', tolerance };
}

function writeState(state) {
  const query = new URLSearchParams();
  if (state.row !== undefined) query.set('row', String(state.row));
  const rowPage = state.row === undefined || state.filter || state.search ? undefined : Math.floor(state.row / ROWS_PER_PAGE) + 1;
  if (state.page > 1 && state.page !== rowPage) query.set('page', String(state.page));
  if (state.filter) query.set('filter', state.filter);
  if (state.search) query.set('search', state.search);
  if (state.tolerance !== undefined) query.set('tolerance', String(state.tolerance));
  const url = `${location.pathname}${query.size > 0 ? `?${query}` : ''}`;
  history.pushState(null, '', url);
  render();
}

// ── header ───────────────────────────────────────────────────────────────────────────────

function renderSummary() {
  elements['file-name'].textContent = summary.path.split('/').pop();
  document.title = `${summary.path.split('/').pop()} · tessera view`;
  const fill = summary.pageFill === null ? 'no pages' : `${(summary.pageFill * 100).toFixed(1)}%`;
  const pluginList = Object.entries(summary.plugins).map(([name, version]) => `${name}@${version}`).join(', ') || 'none';
  const verifyButton = element('button', { type: 'button', id: 'verify-button', textContent: 'verify' });
  const verifyStatus = element('span', { id: 'verify-status' });
  verifyButton.addEventListener('click', () => startVerify(verifyButton, verifyStatus));
  const items = [
    ['samples', element('span', { id: 'sample-count', textContent: String(summary.numSamples) })],
    ['file size', formatBytes(summary.fileByteLength)],
    ['page size', `${formatBytes(summary.pageSize)} × ${summary.numPages}`],
    ['page fill', fill],
    ['checksums', element('span', {}, summary.checksums, ' ', verifyButton, ' ', verifyStatus)],
    ['written by', summary.writer === null ? 'FFCV (no extension block)' : `${summary.writer.library} ${summary.writer.version}`],
    ['plugins', pluginList],
  ];
  if (summary.sidecars.length > 0) items.push(['sidecars', summary.sidecars.join(', ')]);
  elements.summary.replaceChildren(...items.map(([name, value]) => element('div', {}, element('dt', { textContent: name }), element('dd', {}, value))));
  if (summary.fileChanged) {
    elements['file-changed'].hidden = false;
    elements['file-changed'].textContent = summary.fileChanged;
  }
  if (summary.info !== null) {
    elements['info-details'].hidden = false;
    elements.info.textContent = JSON.stringify(summary.info, null, 2);
  }
  elements.fields.tBodies[0].replaceChildren(
    ...summary.fields.map((field) =>
      element(
        'tr',
        { dataset: { field: field.name } },
        element('td', {}, element('strong', { textContent: field.name })),
        element('td', { textContent: `${field.plugin}@${field.pluginVersion}` }),
        element('td', { textContent: field.codecId }),
        element('td', { textContent: String(field.typeId) }),
        element('td', {}, element('code', { textContent: JSON.stringify(field.arguments) })),
        element('td', { textContent: `${field.metadataByteLength} bytes${field.sidecar ? ` (sidecar ${field.sidecar.split('/').pop()})` : ''}` }),
        ...payloadCells(field.payloadBytes),
      ),
    ),
  );
}

/** Payload bytes per sample and in total, "—" where the field's size is not known without decoding; "≈" when estimated from a sample of rows. */
function payloadCells(payload) {
  if (payload === null) return [element('td', { className: 'payload-bytes', title: 'not known without decoding', textContent: '—' }), element('td', { className: 'payload-total', textContent: '—' })];
  const prefix = payload.approximate ? '≈ ' : '';
  const title = `${payload.source}${payload.approximate ? `, mean of ${payload.rowsRead} rows` : ''}`;
  return [
    element('td', { className: 'payload-bytes', title, textContent: `${prefix}${formatBytes(Math.round(payload.perSampleByteLength))}` }),
    element('td', { className: 'payload-total', title, textContent: `${prefix}${formatBytes(Math.round(payload.totalByteLength))}` }),
  ];
}

async function startVerify(button, status) {
  button.disabled = true;
  const bar = element('progress', { id: 'verify-progress', max: 1, value: 0 });
  status.className = '';
  status.replaceChildren(bar);
  const label = element('span', { id: 'verify-label' });
  status.append(' ', label);
  try {
    let state = await api('/api/verify', { method: 'POST' });
    while (state.state === 'running') {
      bar.value = state.fraction;
      const current = state.progress === null ? '' : ` · ${state.progress.phase} ${state.progress.done}/${state.progress.total}`;
      label.textContent = `verifying… ${(state.fraction * 100).toFixed(0)}% · ${state.filesChecked}/${state.filesTotal} files${current} · ${(state.elapsedMs / 1000).toFixed(1)} s`;
      await new Promise((resolve) => setTimeout(resolve, VERIFY_POLL_MS));
      state = await api('/api/verify');
    }
    bar.value = state.fraction;
    const problems = state.reports.flatMap((report) => report.problems.map((problem) => `${problem.region}: ${problem.message}`));
    status.className = state.ok ? 'ok' : 'bad';
    status.dataset.state = state.state;
    label.textContent = state.state === 'failed' ? `verify failed: ${state.error}` : state.ok ? `OK (${state.reports.map((report) => (report.checksums === 'verified' ? `${report.pagesChecked} pages checked` : 'structure only')).join(', ')})` : `FAILED: ${problems.join('; ')}`;
  } catch (error) {
    status.className = 'bad';
    status.textContent = String(error.message ?? error);
  } finally {
    button.disabled = false;
  }
}

// ── statistics ───────────────────────────────────────────────────────────────────────────

async function renderStatistics() {
  const fields = summary.fields.filter((field) => field.hasStatistics);
  if (fields.length === 0 || summary.numSamples === 0) return;
  elements['statistics-section'].hidden = false;
  for (const field of fields) {
    let result;
    try {
      result = await api(`/api/statistics/${encodeURIComponent(field.name)}`);
    } catch (error) {
      elements.statistics.append(element('div', { className: 'statistic error-cell', textContent: `${field.name}: ${error.message}` }));
      continue;
    }
    for (const statistic of result.statistics) elements.statistics.append(renderStatistic(field.name, statistic, result));
  }
}

function renderStatistic(fieldName, statistic, result) {
  const badge = result.partial ? element('span', { className: 'badge partial', title: `seeded sample of ${result.rowsRead} of ${result.numSamples} rows`, textContent: 'partial' }) : null;
  const box = element(
    'div',
    { className: 'statistic', dataset: { field: fieldName, statistic: statistic.name } },
    element('h3', {}, `${fieldName}.${statistic.name}`, badge),
    element('div', { className: 'range', textContent: `${statistic.rowCount} rows · min ${formatNumber(statistic.min)} · mean ${formatNumber(statistic.mean)} · max ${formatNumber(statistic.max)}` }),
  );
  const filterPrefix = `${fieldName}.${statistic.name}`;
  if (statistic.kind === 'counts') {
    const largest = Math.max(1, ...statistic.counts.map((entry) => entry.count));
    const list = element('div', { className: 'counts' });
    for (const entry of statistic.counts) {
      const name = entry.label === undefined ? String(entry.value) : `${entry.label} (${entry.value})`;
      const bar = element('div', { className: 'bar' });
      bar.style.width = `${(entry.count / largest) * 100}%`;
      const button = element(
        'button',
        { type: 'button', className: 'class-count', title: `show rows with ${filterPrefix} = ${entry.value}`, dataset: { value: String(entry.value) } },
        element('span', { className: 'name', textContent: name }),
        element('div', { className: 'track' }, bar),
        element('span', { className: 'count', textContent: String(entry.count) }),
      );
      button.addEventListener('click', () => applyFilter(`${filterPrefix}:${entry.value}:${entry.value}`));
      list.append(button);
    }
    box.append(list);
  } else {
    const largest = Math.max(1, ...statistic.bins.map((bin) => bin.count));
    const chart = element('div', { className: 'histogram' });
    for (const bin of statistic.bins) {
      const button = element('button', { type: 'button', className: 'histogram-bin', title: `[${formatNumber(bin.start)}, ${formatNumber(bin.end)}]: ${bin.count} rows` });
      button.style.height = `${Math.max(1, (bin.count / largest) * 100)}%`;
      button.addEventListener('click', () => applyFilter(`${filterPrefix}:${bin.start}:${bin.end}`));
      chart.append(button);
    }
    box.append(chart);
  }
  return box;
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function applyFilter(filter) {
  writeState({ ...readState(), page: 1, row: undefined, filter });
}

// ── previews ─────────────────────────────────────────────────────────────────────────────

function renderPreview(preview, field, detail) {
  switch (preview.kind) {
    case 'image': {
      const image = element('img', { src: preview.url, alt: `${field.name} ${preview.width}×${preview.height}`, loading: 'lazy', decoding: 'async' });
      return element('div', {}, image, element('div', { className: 'caption', textContent: `${preview.width}×${preview.height} · ${preview.mimeType.replace('image/', '')} · ${formatBytes(preview.byteLength)}` }));
    }
    case 'audio': {
      const audio = element('audio', { controls: true, preload: 'none', src: preview.url });
      return element('div', {}, audio, preview.peaks ? waveform(preview.peaks) : null, element('div', { className: 'caption', textContent: `${preview.durationSeconds.toFixed(2)} s · ${preview.sampleRate} Hz · ${preview.channels} ch · ${formatBytes(preview.byteLength)}` }));
    }
    case 'video': {
      const video = element('video', { controls: true, preload: 'none', src: preview.url });
      if (preview.posterUrl) video.poster = preview.posterUrl;
      const fps = preview.framesPerSecond === null ? '' : ` · ${preview.framesPerSecond} fps`;
      return element('div', {}, video, element('div', { className: 'caption', textContent: `${preview.width}×${preview.height} · ${preview.durationSeconds.toFixed(2)} s${fps} · ${formatBytes(preview.byteLength)}` }));
    }
    case 'text': {
      const text = element('div', { className: 'text' });
      if (preview.tokens === null) text.textContent = preview.text;
      else for (const token of preview.tokens) text.append(element('span', { className: 'token', title: `id ${token.id}`, textContent: token.text }));
      return element('div', {}, text, preview.tokens === null ? null : element('div', { className: 'caption', textContent: `${preview.tokens.length} tokens` }));
    }
    case 'array':
      return element('div', {}, element('div', { className: 'caption', textContent: `${preview.dtype} [${preview.shape.join(', ')}]` }), heatMap(preview, detail));
    case 'json': {
      const names = field.classNames;
      if (names !== null && typeof preview.value === 'number' && names[preview.value] !== undefined) return element('span', { textContent: `${preview.value} (${names[preview.value]})` });
      return element('pre', { textContent: JSON.stringify(preview.value, null, 2) });
    }
    case 'bytes':
      return element('div', {}, element('div', { className: 'caption', textContent: formatBytes(preview.byteLength) }), element('div', { className: 'hex', textContent: preview.head.slice(0, detail ? 512 : 64).replace(/(..)/g, '$1 ').trim() }));
    default:
      return element('div', { className: 'error-cell', textContent: `${preview.code}: ${preview.message}` });
  }
}

/** [min, max] pairs in [−1, 1] drawn as vertical strokes. */
function waveform(peaks, className = 'waveform') {
  const canvas = element('canvas', { className, width: 240, height: 40 });
  const context = canvas.getContext('2d');
  const pairs = peaks.length / 2;
  context.fillStyle = '#2f6fde';
  for (let x = 0; x < canvas.width; x++) {
    const pair = Math.min(pairs - 1, Math.floor((x / canvas.width) * pairs));
    const low = peaks[2 * pair];
    const high = peaks[2 * pair + 1];
    const top = ((1 - high) / 2) * canvas.height;
    const bottom = ((1 - low) / 2) * canvas.height;
    context.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
  return canvas;
}

/** The last two dimensions (or one row) of the first values as grey levels from min to max. */
function heatMap(preview, detail) {
  const shape = preview.shape.length === 0 ? [1] : preview.shape;
  const width = shape[shape.length - 1] || 1;
  const height = Math.max(1, Math.min(shape.length >= 2 ? shape[shape.length - 2] : 1, Math.ceil(preview.values.length / width)));
  const canvas = element('canvas', { className: 'heat-map', width, height, title: `first ${preview.values.length} values` });
  const scale = Math.max(1, Math.floor((detail ? 480 : 120) / Math.max(width, height)));
  canvas.style.width = `${width * scale}px`;
  canvas.style.height = `${height * scale}px`;
  const finite = preview.values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  for (let index = 0; index < width * height; index++) {
    const value = preview.values[index];
    const level = typeof value !== 'number' || !Number.isFinite(value) ? 0 : max === min ? 128 : Math.round(((value - min) / (max - min)) * 255);
    image.data.set([level, level, Math.min(255, level + 40), 255], index * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

// ── grid and detail ──────────────────────────────────────────────────────────────────────

function rowsQuery(state, offset, limit, maxSide) {
  const query = new URLSearchParams({ offset: String(offset), limit: String(limit), maxSide: String(maxSide) });
  if (state.filter) query.set('filter', state.filter);
  if (state.search) query.set('search', state.search);
  return `/api/rows?${query}`;
}

function rowLink(index) {
  const link = element('a', { href: `?row=${index}`, textContent: String(index) });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    writeState({ ...readState(), row: index });
  });
  return link;
}

async function renderDetail(state) {
  if (state.row === undefined) {
    elements.detail.hidden = true;
    return;
  }
  elements.detail.hidden = false;
  elements.detail.replaceChildren(element('p', { textContent: `loading row ${state.row}…` }));
  const result = await api(rowsQuery({}, state.row, 1, DETAIL_MAX_SIDE));
  const row = result.rows[0];
  const back = element('a', { href: `?page=${Math.floor(state.row / ROWS_PER_PAGE) + 1}`, textContent: '← back to the grid' });
  back.addEventListener('click', (event) => {
    event.preventDefault();
    writeState({ ...state, row: undefined, page: Math.floor(state.row / ROWS_PER_PAGE) + 1 });
  });
  const previous = element('button', { type: 'button', textContent: '← previous row', disabled: row.index === 0 });
  previous.addEventListener('click', () => writeState({ ...state, row: row.index - 1 }));
  const next = element('button', { type: 'button', textContent: 'next row →', disabled: row.index + 1 >= summary.numSamples });
  next.addEventListener('click', () => writeState({ ...state, row: row.index + 1 }));
  const table = element(
    'table',
    {},
    ...summary.fields.map((field) =>
      element('tr', { dataset: { field: field.name } }, element('th', { textContent: field.name }), element('td', {}, renderPreview(row.fields[field.name], field, true), decodedControl(field, row))),
    ),
  );
  // The detail view's players load their metadata (durations, seeking); the grid's stay unloaded.
  for (const media of table.querySelectorAll('audio, video')) media.preload = 'metadata';
  const timeline = summary.timeline === null ? null : await renderTimeline(state, row, table);
  elements.detail.replaceChildren(element('h2', { id: 'detail-title', dataset: { row: String(row.index) }, textContent: `row ${row.index}` }), element('p', {}, back, ' ', previous, ' ', next), timeline, table);
}

/**
 * For an image field: what one of its decoders makes of the row (the crop a loader would hand the
 * model, its fixed choice), next to the stored image. Options are the decoder's JSON options.
 */
function decodedControl(field, row) {
  if (row.fields[field.name]?.kind !== 'image' || field.decoders.length === 0) return null;
  const preferred = ['center-crop', 'random-resized-crop'].find((name) => field.decoders.includes(name)) ?? field.decoders[0];
  const select = element('select', { className: 'decoder-select' }, ...field.decoders.map((name) => element('option', { value: name, textContent: name, selected: name === preferred })));
  const options = element('input', { className: 'decoder-options', value: preferred.endsWith('crop') ? '{"outputSize":224}' : '', placeholder: 'options (JSON)', size: 24 });
  const output = element('div', { className: 'decoded' });
  const show = async () => {
    const url = `/api/decoded/${encodeURIComponent(field.name)}/${row.index}?decoder=${encodeURIComponent(select.value)}&options=${encodeURIComponent(options.value)}`;
    const response = await fetch(url);
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      output.replaceChildren(element('div', { className: 'cell-error', textContent: body.error?.message ?? `HTTP ${response.status}` }));
      return;
    }
    if ((response.headers.get('content-type') ?? '').startsWith('image/')) {
      const image = element('img', { className: 'decoded-image', alt: `${field.name} decoded by ${select.value}`, src: URL.createObjectURL(await response.blob()) });
      output.replaceChildren(image, element('div', { className: 'caption', textContent: `decoded by ${select.value}` }));
    } else {
      output.replaceChildren(element('pre', { className: 'json', textContent: JSON.stringify(await response.json(), null, 1).slice(0, 4000) }));
    }
  };
  const button = element('button', { type: 'button', className: 'decode-button', textContent: 'decode' });
  button.addEventListener('click', () => show().catch(showError));
  return element('div', { className: 'decoder-control' }, select, ' ', options, ' ', button, output);
}

// ── time-aligned view ────────────────────────────────────────────────────────────────────

/**
 * One axis for the row's streams: a lane per stream field (its extent, and the waveform of an audio
 * preview), the words or cues as buttons that seek every player of the row, a playhead that follows
 * playback, and the drift the server found between stream durations.
 */
async function renderTimeline(state, row, table) {
  const tolerance = state.tolerance ?? DEFAULT_DRIFT_TOLERANCE_SECONDS;
  let timeline;
  try {
    timeline = await api(`/api/timeline/${row.index}?toleranceSeconds=${tolerance}`);
  } catch (error) {
    return element('div', { id: 'timeline', className: 'error-cell', textContent: `timeline: ${error.message}` });
  }
  const axisStart = timeline.startSeconds;
  const axisLength = Math.max(timeline.endSeconds - axisStart, 1e-6);
  const percent = (seconds) => `${((seconds - axisStart) / axisLength) * 100}%`;
  const streamStarts = new Map(timeline.streams.map((stream) => [stream.field, stream.startSeconds]));
  // The row's players, each with the start of its own stream on the axis (0 for a field without a time axis).
  const players = [...table.querySelectorAll('tr[data-field]')].flatMap((rowElement) => [...rowElement.querySelectorAll('audio, video')].map((media) => ({ media, startSeconds: streamStarts.get(rowElement.dataset.field) ?? 0 })));

  const lanes = element('div', { className: 'lanes' });
  const fieldNames = summary.fields.map((field) => field.name).filter((name) => summary.timeline.streams.includes(name) || summary.timeline.anchors.includes(name));
  for (const name of fieldNames) {
    const stream = timeline.streams.find((candidate) => candidate.field === name);
    const anchors = timeline.anchors.find((candidate) => candidate.field === name);
    const track = element('div', { className: 'lane-track' });
    if (stream !== undefined) {
      const bar = element('div', { className: 'stream-bar', title: `${name}: ${stream.startSeconds.toFixed(3)}–${(stream.startSeconds + stream.durationSeconds).toFixed(3)} s`, dataset: { start: String(stream.startSeconds), duration: String(stream.durationSeconds) } });
      bar.style.left = percent(stream.startSeconds);
      bar.style.width = `${(stream.durationSeconds / axisLength) * 100}%`;
      const preview = row.fields[name];
      if (preview?.kind === 'audio' && preview.peaks) bar.append(waveform(preview.peaks, 'lane-waveform'));
      track.append(bar);
    }
    for (const [start, end, label] of anchors?.spans ?? []) {
      const span = element('button', { type: 'button', className: 'span', title: `${label ?? ''} [${start.toFixed(3)}–${end.toFixed(3)} s]`.trim(), textContent: label ?? '', dataset: { start: String(start), end: String(end) } });
      span.style.left = percent(start);
      span.style.width = `${((end - start) / axisLength) * 100}%`;
      span.addEventListener('click', () => seek(start));
      track.append(span);
    }
    const absent = stream === undefined && (anchors === undefined || anchors.count === 0) ? ' (none in this row)' : '';
    lanes.append(element('div', { className: 'lane', dataset: { field: name } }, element('span', { className: 'lane-name', textContent: `${name}${absent}` }), track));
  }
  const playhead = element('div', { className: 'playhead', dataset: { seconds: String(axisStart) } });
  lanes.append(playhead);

  function movePlayhead(seconds) {
    const clamped = Math.min(Math.max(seconds, axisStart), axisStart + axisLength);
    playhead.dataset.seconds = String(clamped);
    // The tracks start after the lanes' name column: the CSS places the playhead from this fraction.
    playhead.style.setProperty('--at', String((clamped - axisStart) / axisLength));
  }
  function seek(seconds) {
    for (const { media, startSeconds } of players) media.currentTime = Math.max(0, seconds - startSeconds);
    movePlayhead(seconds);
  }
  let frame;
  const follow = () => {
    const playing = players.find(({ media }) => !media.paused && !media.ended);
    if (playing !== undefined) movePlayhead(playing.startSeconds + playing.media.currentTime);
    frame = playing === undefined ? undefined : requestAnimationFrame(follow);
  };
  for (const { media, startSeconds } of players) {
    media.addEventListener('play', () => {
      if (frame === undefined) frame = requestAnimationFrame(follow);
    });
    media.addEventListener('seeked', () => movePlayhead(startSeconds + media.currentTime));
    media.addEventListener('timeupdate', () => movePlayhead(startSeconds + media.currentTime));
  }

  const toleranceInput = element('input', { id: 'drift-tolerance', type: 'number', min: '0', step: '0.01', value: String(tolerance) });
  toleranceInput.addEventListener('change', () => {
    const value = Number(toleranceInput.value);
    if (Number.isFinite(value) && value >= 0) writeState({ ...readState(), tolerance: value });
  });
  const drift = element(
    'div',
    { id: 'timeline-drift', className: timeline.drift.flags.length > 0 ? 'drift bad' : 'drift ok', dataset: { flags: String(timeline.drift.flags.length) } },
    timeline.drift.flags.length === 0 ? `no drift above ${tolerance} s` : element('ul', {}, ...timeline.drift.flags.map((flag) => element('li', { dataset: { field: flag.field, kind: flag.kind }, textContent: `drift: ${flag.message}` }))),
  );
  const truncated = timeline.truncated ? element('p', { className: 'caption', textContent: `showing the first ${timeline.anchors.reduce((sum, anchors) => sum + anchors.spans.length, 0)} of ${timeline.anchors.reduce((sum, anchors) => sum + anchors.count, 0)} spans` }) : null;
  const axis = element('div', { className: 'timeline-axis' }, element('span', { textContent: `${axisStart.toFixed(2)} s` }), element('span', { textContent: `${(axisStart + axisLength).toFixed(2)} s` }));
  return element(
    'section',
    { id: 'timeline', className: 'timeline', dataset: { start: String(axisStart), end: String(timeline.endSeconds) } },
    element('h3', {}, 'timeline ', element('label', { className: 'caption' }, 'drift tolerance (s) ', toleranceInput)),
    axis,
    lanes,
    truncated,
    drift,
  );
}

async function renderGrid(state) {
  const offset = (state.page - 1) * ROWS_PER_PAGE;
  const result = await api(rowsQuery(state, offset, ROWS_PER_PAGE, THUMBNAIL_MAX_SIDE));
  const pageCount = Math.max(1, Math.ceil(result.total / ROWS_PER_PAGE));
  const last = Math.min(result.total, offset + ROWS_PER_PAGE);
  const matching = state.filter || state.search ? ` matching${result.partial ? ` in the first ${result.scannedRows}` : ''}` : '';
  elements['page-label'].textContent = result.total === 0 ? `no rows${matching}` : `rows ${offset}–${last - 1} of ${result.total}${matching} · page ${state.page} of ${pageCount}`;
  if (result.partial) elements['page-label'].append(element('span', { className: 'badge partial', textContent: 'partial' }));
  elements['previous-page'].disabled = state.page <= 1;
  elements['next-page'].disabled = state.page >= pageCount;
  elements.grid.tHead.replaceChildren(element('tr', {}, element('th', { textContent: '#' }), ...summary.fields.map((field) => element('th', { dataset: { field: field.name }, textContent: field.name }))));
  elements.grid.tBodies[0].replaceChildren(
    ...result.rows.map((row) =>
      element('tr', { dataset: { row: String(row.index) } }, element('td', { className: 'index' }, rowLink(row.index)), ...summary.fields.map((field) => element('td', { dataset: { field: field.name } }, renderPreview(row.fields[field.name], field, false)))),
    ),
  );
}

function renderFilterChip(state) {
  const chip = elements['active-filter'];
  const parts = [state.filter && `filter ${state.filter}`, state.search && `search “${state.search}”`].filter(Boolean);
  chip.hidden = parts.length === 0;
  if (parts.length === 0) return;
  const clear = element('button', { type: 'button', title: 'clear', textContent: '×' });
  clear.addEventListener('click', () => {
    elements['search-input'].value = '';
    writeState({ page: 1, row: undefined, filter: '', search: '' });
  });
  chip.replaceChildren(parts.join(' · '), ' ', clear);
}

let renderCount = 0;
async function render() {
  const state = readState();
  const current = ++renderCount;
  document.body.dataset.loading = 'true';
  showError(undefined);
  renderFilterChip(state);
  elements['search-input'].value = state.search;
  try {
    await Promise.all([renderDetail(state), renderGrid(state)]);
  } catch (error) {
    showError(error);
  } finally {
    if (current === renderCount) document.body.dataset.loading = 'false';
  }
}

// ── start ────────────────────────────────────────────────────────────────────────────────

elements['previous-page'].addEventListener('click', () => writeState({ ...readState(), row: undefined, page: Math.max(1, readState().page - 1) }));
elements['next-page'].addEventListener('click', () => writeState({ ...readState(), row: undefined, page: readState().page + 1 }));
elements['jump-form'].addEventListener('submit', (event) => {
  event.preventDefault();
  const row = Number(elements['jump-input'].value);
  if (Number.isInteger(row) && row >= 0 && row < summary.numSamples) writeState({ ...readState(), filter: '', search: '', page: Math.floor(row / ROWS_PER_PAGE) + 1, row });
  else showError(new Error(`row must be from 0 to ${summary.numSamples - 1}`));
});
elements['search-form'].addEventListener('submit', (event) => {
  event.preventDefault();
  writeState({ ...readState(), page: 1, row: undefined, search: elements['search-input'].value.trim() });
});
window.addEventListener('popstate', () => render());

try {
  summary = await api('/api/summary');
  renderSummary();
  await render();
  await renderStatistics();
  document.body.dataset.ready = 'true';
} catch (error) {
  showError(error);
  document.body.dataset.ready = 'true';
}
