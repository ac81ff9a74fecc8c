// memreason live traces: follows /api/stream (server-sent events), shows each question's trace as it is written,
// sends labels to /api/feedback, and revisions of a step to /api/questions/{id}/revisions: "edit" on a step, then
// "continue from here", asks the question again from the corrected step, and the revised trace is shown beside the
// original with the steps and the answer that changed highlighted.
//
// Signing in: the token is sent once to /api/session, which keeps it in an HttpOnly cookie this script cannot read;
// the page never stores it (no localStorage, no URL). The controls shown are those the token's roles allow.
//
// Everything the model wrote (questions, steps, answers, errors) reaches the page through el(..., {text}) or
// append(string), i.e. as text nodes: never as HTML.
'use strict';

const MAX_CARDS = 500;
const KINDS = {
  MEMORY: { css: 'memory', label: 'memory' },
  REASON: { css: 'reason', label: 'reason' },
};
const OTHER_KIND = { css: 'other', label: 'step' };
const MEMORY_VERDICTS = {
  SUPPORTED: { css: 'supported', label: '✓ supported' },
  CONTRADICTED: { css: 'contradicted', label: '✗ contradicted' },
  UNKNOWN: { css: 'unknown', label: '? unknown' },
};

const state = {
  traces: new Map(),   // question id -> the latest TraceView from the server
  cards: new Map(),    // question id -> its card element
  drafts: new Map(),   // question id -> the label being given on this page: {verdict, wrong: Set, corrected}
  shadowCorrections: new Map(), // question id -> the corrected answer being typed for its shadow answer
  shadowStatus: new Map(), // question id -> what became of the last shadow label sent: {text, kind}
  selected: null,      // the question in the detail view
  wanted: null,        // a question to select as soon as it arrives (from the address or the ask form)
  editing: null,       // the step being corrected in the detail view: {id, index, text}
};

const session = {
  name: null,
  roles: new Set(),
  auth: null,          // 'tokens' or 'none' (the server runs without sign-in)
};

const may = (role) => session.roles.has(role);

const $ = (id) => document.getElementById(id);

/** Builds an element; `text` becomes its textContent, children are elements or strings (text nodes). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function kindOf(step) {
  return KINDS[step.kind] || OTHER_KIND;
}

function seconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function statusText(status) {
  return status === 'PENDING' ? 'answering…' : status.toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------------
// The live stream

let stream = null;

function connect() {
  const connection = $('connection');
  const source = new EventSource('/api/stream');
  stream = source;
  source.onopen = () => {
    connection.dataset.state = 'live';
    connection.textContent = 'live';
  };
  source.onerror = async () => {
    connection.dataset.state = 'lost';
    if (source !== stream) return;
    if (source.readyState !== EventSource.CLOSED) {
      connection.textContent = 'reconnecting…';
      return;
    }
    // Refused (not a lost connection): signed out, or too many pages open.
    const reply = await fetch('/api/session');
    if (reply.status === 401) {
      connection.textContent = 'signed out';
      showSignIn('Your sign-in is no longer valid: sign in again.');
    } else {
      connection.textContent = 'refused: too many live pages open? Close some and reload.';
    }
  };
  source.addEventListener('trace', (e) => onTrace(JSON.parse(e.data)));
  source.addEventListener('figures', (e) => renderFigures(JSON.parse(e.data)));
}

// ---------------------------------------------------------------------------------------------------------------
// Signing in

async function loadSession() {
  try {
    const reply = await fetch('/api/session');
    if (reply.status === 401) {
      showSignIn('');
      return;
    }
    applySession(await reply.json());
  } catch (e) {
    $('connection').textContent = `the server cannot be reached (${e.message})`;
  }
}

function showSignIn(message) {
  $('signin').hidden = false;
  $('signed-in').hidden = true;
  $('ask').hidden = true;
  $('signin-status').textContent = message;
  $('connection').dataset.state = 'lost';
  $('connection').textContent = 'signed out';
  $('empty').textContent = 'Sign in with your memreason token to see the traces.';
}

function applySession(s) {
  session.name = s.name;
  session.roles = new Set(s.roles);
  session.auth = s.auth;
  $('signin').hidden = true;
  $('signed-in').hidden = s.auth === 'none';
  $('signed-in-name').textContent = s.name;
  $('signed-in-roles').textContent = s.roles.join(' · ');
  $('ask').hidden = !may('ask');
  if (may('watch')) {
    $('empty').textContent = may('ask')
      ? 'Waiting for questions. Ask one above, or send one with POST /api/questions.'
      : 'Waiting for questions.';
    connect();
  } else {
    $('connection').dataset.state = 'lost';
    $('connection').textContent = 'not watching';
    $('empty').textContent = `Signed in as ${s.name}, whose token may not watch the traces (no watch role).`;
  }
}

async function signIn(e) {
  e.preventDefault();
  const input = $('signin-token');
  const token = input.value.trim();
  input.value = '';
  if (!token) return;
  $('signin-status').textContent = 'Signing in…';
  const reply = await post('/api/session', { token });
  if (reply.ok) {
    $('signin-status').textContent = '';
    applySession(reply.json);
  } else {
    $('signin-status').textContent = reply.json.error;
  }
}

async function signOut() {
  await fetch('/api/session', { method: 'DELETE' });
  location.reload();
}

function onTrace(trace) {
  state.traces.set(trace.id, trace);
  addFilterChoice($('filter-version'), trace.modelVersion);
  addFilterChoice($('filter-task'), trace.task);
  renderCard(trace);
  const selected = state.traces.get(state.selected);
  if (state.selected === trace.id || selected?.revises?.questionId === trace.id) {
    renderDetail();
  } else if (state.wanted === trace.id) {
    select(trace.id);
  }
  updateCount();
}

// ---------------------------------------------------------------------------------------------------------------
// Cards

function renderCard(trace) {
  let card = state.cards.get(trace.id);
  if (!card) {
    card = el('li', {
      class: 'card',
      tabindex: '0',
      dataset: { questionId: trace.id },
      onclick: () => select(trace.id),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select(trace.id);
        }
      },
    });
    state.cards.set(trace.id, card);
    $('cards').prepend(card);
    dropOldestCards();
  }
  card.dataset.status = trace.status;
  card.setAttribute('aria-current', state.selected === trace.id ? 'true' : 'false');
  card.replaceChildren(
    cardHead(trace),
    el('div', { class: 'card-question', text: trace.question ?? '(question not seen yet)' }),
    stepList(trace, 'card'),
    answerBlock(trace),
  );
  card.hidden = !matchesFilters(trace);
}

function cardHead(trace) {
  const latency = trace.answer ? `latency ${seconds(trace.answer.latencyMs)}` : null;
  return el('div', { class: 'card-head' },
    el('span', { class: 'pill status', dataset: { status: trace.status }, text: statusText(trace.status) }),
    trace.task && el('span', { class: 'tag task', text: trace.task.toLowerCase() }),
    trace.modelVersion && el('span', { class: 'tag model-version', text: trace.modelVersion }),
    trace.revises && el('span', {
      class: 'tag revision-tag',
      title: trace.revises.reason ?? `a revision of question ${trace.revises.questionId}`,
      text: `${trace.revises.reason ? 'auto-revision' : 'revision'} of step ${trace.revises.stepIndex}`,
    }),
    trace.shadow && el('span', {
      class: 'tag shadow-tag', title: 'a candidate also answered this question in the shadow (never served)',
      text: `shadow, ${trace.shadow.modelVersion}`,
    }),
    trace.revisions?.length > 0 && el('span', {
      class: 'tag revisions-tag', text: `${trace.revisions.length} revision${trace.revisions.length === 1 ? '' : 's'}`,
    }),
    trace.label && el('span', {
      class: 'pill verdict-pill', dataset: { verdict: trace.label.verdict },
      text: trace.label.verdict === 'CORRECT' ? 'labelled correct' : 'labelled incorrect',
    }),
    el('span', { class: 'spacer' }),
    latency && el('span', { class: 'latency', text: latency }),
    trace.submittedAt && el('span', { text: clock(trace.submittedAt) }));
}

/**
 * The steps as coloured rows: on a card one line each ('card'); in the detail view with full text, timings, a
 * "wrong" toggle and "edit" each ('detail'); beside a revision with full text and timings only ('compare').
 * {@code marks} gives a step's extra classes (what changed).
 */
function stepList(trace, mode, marks = () => '') {
  const detailed = mode === 'detail';
  const draft = detailed ? draftOf(trace) : null;
  return el('ol', { class: 'steps' }, ...trace.steps.map((step) => {
    const kind = kindOf(step);
    const wrong = draft ? draft.wrong.has(step.index) : isMarkedWrong(trace, step.index);
    const editing = detailed && state.editing?.id === trace.id && state.editing.index === step.index;
    return el('li', {
      class: `step ${kind.css}${wrong ? ' wrong' : ''}${step.given ? ' given' : ''} ${marks(step)}`.trim(),
      dataset: { index: String(step.index), kind: step.kind },
    },
    el('span', { class: 'kind', text: kind.label }),
    editing ? stepEditor(trace, step) : stepBody(step, mode),
    detailed ? stepSide(trace, step, draft) : el('span', { class: 'step-time', text: stepTime(trace, step) }));
  }));
}

/** The step's text, whether it was given, and the memory verifier's verdict (in full outside the cards). */
function stepBody(step, mode) {
  const v = step.verification;
  const verdict = v ? (MEMORY_VERDICTS[v.verdict] || MEMORY_VERDICTS.UNKNOWN) : null;
  return el('span', { class: 'step-body' },
    el('span', { class: 'step-text', text: step.text, title: mode === 'card' ? step.text : null }),
    step.given && el('span', { class: 'given-pill', title: 'given with the question, not written by the model', text: 'given' }),
    verdict && el('span', {
      class: `memory-verdict ${verdict.css}`,
      title: v.correctFact ? `${v.verifier}: ${v.correctFact}` : v.verifier,
      text: verdict.label,
    }),
    mode !== 'card' && v?.correctFact && el('span', { class: 'correct-fact', text: `known: ${v.correctFact}` }),
    mode !== 'card' && v?.revisionId && el('a', {
      class: 'revision-link', href: `#q=${encodeURIComponent(v.revisionId)}`, text: 'revised →',
    }));
}

/** Correcting a step: the model continues from the corrected step in a new question, a revision. */
function stepEditor(trace, step) {
  const status = el('span', { class: 'edit-status', role: 'status' });
  const text = el('textarea', {
    class: 'step-edit-text', rows: '2', maxlength: '4000', 'aria-label': `Corrected step ${step.index}`,
    oninput: (e) => { state.editing.text = e.target.value; },
  });
  text.value = state.editing.text;
  return el('form', {
    class: 'step-edit',
    onsubmit: (e) => {
      e.preventDefault();
      continueFrom(trace.id, step.index, status);
    },
  }, text,
  el('span', { class: 'step-edit-actions' },
    el('button', { type: 'submit', class: 'continue-here', text: 'continue from here' }),
    el('button', {
      type: 'button', class: 'cancel-edit', text: 'cancel',
      onclick: () => {
        state.editing = null;
        renderDetail(true);
      },
    }),
    status));
}

function startEditing(trace, step) {
  state.editing = { id: trace.id, index: step.index, text: step.text };
  renderDetail(true);
  document.querySelector('#detail .step-edit-text')?.focus();
}

async function continueFrom(id, index, status) {
  const text = state.editing.text.trim();
  if (!text) return;
  status.dataset.kind = 'info';
  status.textContent = 'Asking…';
  const reply = await post(`/api/questions/${encodeURIComponent(id)}/revisions`, { stepIndex: index, text });
  if (!reply.ok) {
    status.dataset.kind = 'error';
    status.textContent = reply.json.error;
    return;
  }
  state.editing = null;
  if (state.traces.has(reply.json.id)) select(reply.json.id); else state.wanted = reply.json.id;
  renderDetail(true);
}

function stepTime(trace, step) {
  return trace.submittedAt ? `+${seconds(step.completedAt - trace.submittedAt)}` : seconds(step.completedAt - step.startedAt);
}

function stepSide(trace, step, draft) {
  const marked = draft.wrong.has(step.index);
  const timing = `${stepTime(trace, step)} · took ${seconds(step.completedAt - step.startedAt)} · ${step.tokenCount} tokens`;
  return el('span', { class: 'step-side' },
    el('span', { class: 'step-time', text: timing }),
    may('ask') && el('button', {
      type: 'button',
      class: 'edit-step',
      title: 'Correct this step and let the model continue from it',
      text: 'edit',
      onclick: () => startEditing(trace, step),
    }),
    may('label') && el('button', {
      type: 'button',
      class: 'mark-wrong',
      'aria-pressed': marked ? 'true' : 'false',
      disabled: !trace.answer,
      title: trace.answer ? 'Mark this step wrong (or right again)' : 'Steps can be labelled once the answer arrived',
      text: marked ? 'marked wrong' : 'wrong?',
      onclick: () => toggleWrongStep(trace.id, step.index),
    }));
}

function isMarkedWrong(trace, index) {
  return (trace.label?.stepVerdicts ?? []).some((v) => v.index === index && !v.correct);
}

function answerBlock(trace, changed = false) {
  const a = trace.answer;
  if (!a) {
    return el('div', { class: 'writing', text: `writing… ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'} so far` });
  }
  return el('div', { class: `answer${changed ? ' changed' : ''}` },
    el('span', { class: 'answer-name', text: 'answer' }),
    el('span', { class: 'answer-text', text: a.text || '(no answer step)' }),
    a.label && el('span', { class: 'tag answer-label', text: `label ${a.label}` }),
    a.error && el('span', { class: 'answer-error', text: a.error }));
}

function dropOldestCards() {
  while (state.cards.size > MAX_CARDS) {
    const oldest = $('cards').lastElementChild;
    const id = oldest.dataset.questionId;
    oldest.remove();
    state.cards.delete(id);
    state.traces.delete(id);
    state.drafts.delete(id);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Filters

function addFilterChoice(select, value) {
  if (!value || [...select.options].some((o) => o.value === value)) return;
  select.append(el('option', { value, text: select.id === 'filter-task' ? value.toLowerCase() : value }));
}

function matchesFilters(trace) {
  const version = $('filter-version').value;
  const task = $('filter-task').value;
  const status = $('filter-status').value;
  return (!version || trace.modelVersion === version) && (!task || trace.task === task) && (!status || trace.status === status);
}

function applyFilters() {
  for (const [id, card] of state.cards) card.hidden = !matchesFilters(state.traces.get(id));
  updateCount();
}

function updateCount() {
  const total = state.cards.size;
  const shown = [...state.cards.values()].filter((c) => !c.hidden).length;
  $('shown-count').textContent = total === 0 ? '' : shown === total ? `${total} questions` : `${shown} of ${total} shown`;
  $('empty').hidden = total > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Detail view and labelling

function select(id) {
  state.selected = id;
  state.wanted = null;
  history.replaceState(null, '', `#q=${encodeURIComponent(id)}`);
  for (const [cardId, card] of state.cards) card.setAttribute('aria-current', cardId === id ? 'true' : 'false');
  renderDetail();
}

/** What this page is labelling: starts from the label on the topic, if any. */
function draftOf(trace) {
  if (!state.drafts.has(trace.id)) {
    const label = trace.label;
    state.drafts.set(trace.id, {
      verdict: label?.verdict ?? null,
      wrong: new Set((label?.stepVerdicts ?? []).filter((v) => !v.correct).map((v) => v.index)),
      corrected: label?.correctedAnswer ?? '',
    });
  }
  return state.drafts.get(trace.id);
}

/** What an answer says, to compare two. */
function answerOf(trace) {
  return trace.answer ? (trace.answer.label ?? trace.answer.text) : null;
}

/**
 * A revision beside the original it revises: the original's corrected step marked as replaced; the revision's
 * corrected step and every later step that differs from the original's at that place highlighted, and both answers
 * when they differ.
 */
function comparison(original, revision) {
  const at = revision.revises.stepIndex;
  const before = new Map(original.steps.map((s) => [s.index, s]));
  const changed = (s) => s.index >= at && (!before.has(s.index) || before.get(s.index).text !== s.text
    || before.get(s.index).kind !== s.kind);
  const answerChanged = !!(original.answer && revision.answer && answerOf(original) !== answerOf(revision));
  const column = (role, trace, body) => el('section', { class: `compare-column ${role}`, dataset: { questionId: trace.id } },
    el('h4', {},
      el('span', { text: role === 'original' ? 'original' : 'revision' }),
      el('a', { class: 'mono', href: `#q=${encodeURIComponent(trace.id)}`, text: trace.id })),
    body);
  return el('div', { class: 'compare' },
    column('original', original, el('div', {},
      stepList(original, 'compare', (s) => (s.index === at ? 'replaced' : '')),
      answerBlock(original, answerChanged))),
    column('revised', revision, el('div', {},
      stepList(revision, 'detail', (s) => `${s.index === at ? 'edited ' : ''}${changed(s) ? 'changed' : ''}`),
      answerBlock(revision, answerChanged))));
}

/** Where a revision comes from, and the revisions of a question, as links. */
function revisionLinks(trace) {
  const parts = [];
  if (trace.revises) {
    parts.push(el('div', { class: 'revises' },
      `Revises step ${trace.revises.stepIndex} of `,
      el('a', { class: 'mono', href: `#q=${encodeURIComponent(trace.revises.questionId)}`, text: trace.revises.questionId }),
      trace.revises.reason ? ` (automatically: ${trace.revises.reason})` : ''));
  }
  if (trace.revisions?.length) {
    parts.push(el('div', { class: 'revisions' }, 'Revisions: ', ...trace.revisions.map((id) => {
      const revision = state.traces.get(id);
      return el('a', {
        class: 'mono revision', href: `#q=${encodeURIComponent(id)}`,
        text: revision?.answer ? `${id} → ${answerOf(revision) ?? ''}` : id,
      });
    })));
  }
  return parts;
}

/**
 * Rebuilds the detail of the selected question. The labelling controls are built once per question, so typing a
 * correction is not interrupted by steps or labels arriving; nor is correcting a step (the steps stay as they are
 * while one is edited, unless {@code force}).
 */
function renderDetail(force = false) {
  const detail = $('detail');
  const trace = state.traces.get(state.selected);
  if (!trace) return;
  if (detail.dataset.questionId !== trace.id) {
    detail.dataset.questionId = trace.id;
    detail.replaceChildren(
      el('div', { id: 'detail-meta' }),
      el('h2', { id: 'detail-question' }),
      el('div', { id: 'detail-options' }),
      el('h3', { text: 'Trace' }),
      el('div', { id: 'detail-steps' }),
      el('div', { id: 'detail-answer' }),
      el('h3', { text: 'Label' }),
      labelling(trace),
      el('div', { id: 'detail-shadow' }));
  }
  $('detail-meta').replaceChildren(cardHead(trace), el('div', { class: 'detail-id mono', text: trace.id }),
    trace.answer && el('div', {
      class: 'detail-meta',
      text: `${trace.answer.promptTokens} prompt tokens · ${trace.answer.generatedTokens} generated · answered ${clock(trace.answer.answeredAt)}`,
    }));
  $('detail-meta').append(...revisionLinks(trace));
  $('detail-question').textContent = trace.question ?? '(question not seen yet)';
  $('detail-options').replaceChildren(trace.options.length === 0 ? '' : el('ol', { class: 'options', type: 'A' },
    ...trace.options.map((o) => el('li', { text: o }))));
  const original = trace.revises ? state.traces.get(trace.revises.questionId) : null;
  if (force || state.editing?.id !== trace.id) {
    $('detail-steps').replaceChildren(original ? comparison(original, trace)
      : trace.steps.length === 0 ? el('p', { class: 'empty', text: 'No steps yet.' }) : stepList(trace, 'detail'));
  }
  $('detail-answer').replaceChildren(original ? '' : answerBlock(trace));
  updateLabelling(trace);
  $('detail-shadow').replaceChildren(shadowBlock(trace));
}

/**
 * A candidate's shadow answer beside the served one (serving.shadow): its trace and answer, marked "shadow, vX", and
 * its own label, sent with shadow: true so that it never replaces the served answer's label.
 */
function shadowBlock(trace) {
  const s = trace.shadow;
  if (!s) return '';
  const shown = { id: trace.id, steps: s.steps, answer: s.answer, label: s.label, submittedAt: trace.submittedAt };
  const corrected = el('input', {
    id: 'shadow-corrected-answer', type: 'text', maxlength: '2000', placeholder: 'Corrected answer (optional)',
    'aria-label': 'Corrected shadow answer', value: state.shadowCorrections.get(trace.id) ?? '',
    oninput: (e) => state.shadowCorrections.set(trace.id, e.target.value),
  });
  const verdictButton = (verdict, text) => el('button', {
    type: 'button', class: 'shadow-verdict', dataset: { verdict }, text, disabled: !s.answer,
    'aria-pressed': s.label?.verdict === verdict ? 'true' : 'false',
    onclick: () => sendShadowLabel(trace.id, verdict),
  });
  return el('section', { class: 'shadow', dataset: { modelVersion: s.modelVersion } },
    el('h3', {}, el('span', { class: 'tag shadow-tag', text: `shadow, ${s.modelVersion}` }),
      ' answered beside the served answer; never shown as the answer'),
    s.steps.length === 0 ? el('p', { class: 'empty', text: 'No steps.' }) : stepList(shown, 'compare'),
    answerBlock(shown),
    may('label') && el('div', { class: 'shadow-labelling' },
      verdictButton('CORRECT', '✓ Correct'), verdictButton('INCORRECT', '✗ Incorrect'), corrected,
      el('div', {
        id: 'shadow-current-label', class: 'current-label',
        text: s.label ? `On the feedback topic: ${describeLabel(s.label)}.` : 'Shadow answer not labelled yet.',
      }),
      el('div', {
        id: 'shadow-label-status', class: 'label-status', role: 'status', 'aria-live': 'polite',
        text: state.shadowStatus.get(trace.id)?.text ?? '', dataset: { kind: state.shadowStatus.get(trace.id)?.kind ?? '' },
      })));
}

async function sendShadowLabel(id, verdict) {
  const body = { questionId: id, verdict, shadow: true };
  if (session.auth === 'none') body.labeller = ($('labeller')?.value || 'web').trim() || 'web';
  const corrected = (state.shadowCorrections.get(id) ?? '').trim();
  if (verdict === 'INCORRECT' && corrected) body.correctedAnswer = corrected;
  const reply = await post('/api/feedback', body);
  // Kept with the question: the shadow block is redrawn whenever its trace changes (the label arriving, too).
  state.shadowStatus.set(id, reply.ok
    ? { text: `Saved the shadow label: ${verdict.toLowerCase()} (feedback partition ${reply.json.partition}, offset ${reply.json.offset}).`, kind: 'saved' }
    : { text: `Not saved: ${reply.json.error}`, kind: 'error' });
  if (state.selected === id) renderDetail();
}

function labelling(trace) {
  if (!may('label')) {
    return el('p', { class: 'empty', id: 'no-labelling', text: 'Your token may not label answers (no label role).' });
  }
  const draft = draftOf(trace);
  // Signed in, the labeller is the token's name; only a server without sign-in takes a name from the page.
  const labeller = session.auth === 'none'
    ? el('input', { id: 'labeller', type: 'text', maxlength: '100', 'aria-label': 'Labeller', value: 'web' })
    : el('span', { id: 'labeller-name', class: 'mono', text: session.name });
  const correction = el('input', {
    id: 'corrected-answer', type: 'text', maxlength: '2000', placeholder: 'Corrected answer (optional)',
    'aria-label': 'Corrected answer', value: draft.corrected,
    oninput: (e) => { draft.corrected = e.target.value; },
  });
  return el('div', { class: 'labelling' },
    el('div', { class: 'verdicts' },
      el('button', { type: 'button', class: 'verdict', dataset: { verdict: 'CORRECT' }, text: '✓ Correct', onclick: () => sendLabel(trace.id, 'CORRECT') }),
      el('button', { type: 'button', class: 'verdict', dataset: { verdict: 'INCORRECT' }, text: '✗ Incorrect', onclick: () => sendLabel(trace.id, 'INCORRECT') })),
    el('form', {
      class: 'correction',
      onsubmit: (e) => {
        e.preventDefault();
        sendLabel(trace.id, 'INCORRECT');
      },
    }, correction, el('button', { type: 'submit', id: 'save-correction', text: 'Save correction' })),
    el('label', { class: 'labeller' }, 'Labelled by', labeller),
    el('div', { id: 'current-label', class: 'current-label' }),
    el('div', { id: 'label-status', class: 'label-status', role: 'status', 'aria-live': 'polite' }));
}

function updateLabelling(trace) {
  if (!may('label')) return;
  const draft = draftOf(trace);
  for (const button of document.querySelectorAll('#detail .verdict')) {
    button.disabled = !trace.answer;
    button.setAttribute('aria-pressed', draft.verdict === button.dataset.verdict ? 'true' : 'false');
  }
  $('save-correction').disabled = !trace.answer;
  $('current-label').textContent = !trace.answer ? 'Labelling opens when the answer arrives.'
    : trace.label ? `On the feedback topic: ${describeLabel(trace.label)}.` : 'Not labelled yet.';
}

function describeLabel(label) {
  const parts = [label.verdict.toLowerCase()];
  if (label.correctedAnswer) parts.push(`corrected to “${label.correctedAnswer}”`);
  const wrong = label.stepVerdicts.filter((v) => !v.correct).map((v) => v.index);
  if (wrong.length) parts.push(`step${wrong.length === 1 ? '' : 's'} ${wrong.join(', ')} marked wrong`);
  parts.push(`by ${label.labeller} at ${clock(label.labelledAt)}`);
  return parts.join('; ');
}

function toggleWrongStep(id, index) {
  const trace = state.traces.get(id);
  const draft = draftOf(trace);
  if (draft.wrong.has(index)) draft.wrong.delete(index); else draft.wrong.add(index);
  renderDetail(true);
  if (draft.verdict) {
    sendLabel(id, draft.verdict);
  } else {
    showLabelStatus('Step marked. Choose Correct or Incorrect to save the label.', 'info');
  }
}

async function sendLabel(id, verdict) {
  const draft = draftOf(state.traces.get(id));
  draft.verdict = verdict;
  const body = {
    questionId: id,
    verdict,
    stepVerdicts: [...draft.wrong].sort((a, b) => a - b).map((index) => ({ index, correct: false })),
  };
  if (session.auth === 'none') body.labeller = ($('labeller')?.value || 'web').trim() || 'web';
  if (verdict === 'INCORRECT' && draft.corrected.trim()) body.correctedAnswer = draft.corrected.trim();
  renderDetail(true);
  showLabelStatus('Saving…', 'info');
  const reply = await post('/api/feedback', body);
  if (state.selected !== id) return;
  if (reply.ok) {
    const steps = body.stepVerdicts.length ? `, ${body.stepVerdicts.length} step${body.stepVerdicts.length === 1 ? '' : 's'} wrong` : '';
    const corrected = body.correctedAnswer ? ', with a correction' : '';
    showLabelStatus(`Saved: ${verdict.toLowerCase()}${steps}${corrected} (feedback partition ${reply.json.partition}, offset ${reply.json.offset}).`, 'saved');
  } else {
    showLabelStatus(`Not saved: ${reply.json.error}`, 'error');
  }
}

function showLabelStatus(text, kind) {
  const status = $('label-status');
  if (!status) return;
  status.textContent = text;
  status.dataset.kind = kind;
}

async function post(path, body) {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    return { ok: response.ok, json };
  } catch (e) {
    return { ok: false, json: { error: `the server cannot be reached (${e.message})` } };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Asking

async function ask(e) {
  e.preventDefault();
  const status = $('ask-status');
  const text = $('ask-text').value.trim();
  if (!text) return;
  status.dataset.kind = 'info';
  status.textContent = 'Asking…';
  const reply = await post('/api/questions', { text, task: $('ask-task').value });
  if (reply.ok) {
    $('ask-text').value = '';
    status.textContent = 'Asked.';
    if (state.traces.has(reply.json.id)) select(reply.json.id); else state.wanted = reply.json.id;
  } else {
    status.dataset.kind = 'error';
    status.textContent = reply.json.error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Figures

function renderFigures(f) {
  $('fig-rate').textContent = f.answersPerSecond.toFixed(1);
  if (f.latencyP50Ms === undefined) {
    $('fig-latency').textContent = '–';
    $('fig-latency-note').textContent = 'no answers yet';
  } else {
    $('fig-latency').textContent = f.latencyP99Ms < 1000
      ? `${f.latencyP50Ms} · ${f.latencyP99Ms} ms`
      : `${(f.latencyP50Ms / 1000).toFixed(1)} · ${(f.latencyP99Ms / 1000).toFixed(1)} s`;
    $('fig-latency-note').textContent = `last ${f.latencySample} answer${f.latencySample === 1 ? '' : 's'}`;
  }
  const labelled = f.versions.filter((v) => v.labelled > 0);
  $('fig-accuracy').replaceChildren(...(labelled.length === 0
    ? [el('span', { class: 'figure-note', text: 'no labels yet' })]
    : labelled.map((v) => el('div', { class: 'accuracy-row', dataset: { version: v.modelVersion } },
      el('span', { class: 'accuracy-version', text: v.modelVersion, title: v.modelVersion }),
      el('span', { class: 'accuracy-value', text: `${Math.round(v.accuracy * 100)}%` }),
      el('span', { class: 'figure-note', text: `${v.correct} of ${v.labelled} correct` })))));
  renderVersions(f.versions);
  const wrong = f.wrongSteps;
  const total = wrong.memory + wrong.reason;
  if (total === 0) {
    $('fig-wrong').replaceChildren(el('span', { class: 'figure-note', text: labelled.length ? 'no step marked wrong yet' : 'no labels yet' }));
  } else {
    const memoryShare = Math.round((100 * wrong.memory) / total);
    const meter = el('div', { class: 'meter', title: `${wrong.memory} memory, ${wrong.reason} reason steps marked wrong` },
      el('span', { class: 'meter-memory' }), el('span', { class: 'meter-reason' }));
    // Widths through the CSSOM: the page's policy allows no inline style attributes.
    meter.children[0].style.width = `${memoryShare}%`;
    meter.children[1].style.width = `${100 - memoryShare}%`;
    $('fig-wrong').replaceChildren(meter, el('div', { class: 'wrong-legend' },
      el('span', { class: 'legend-memory', text: `memory ${memoryShare}% (${wrong.memory})` }),
      el('span', { class: 'legend-reason', text: `reason ${100 - memoryShare}% (${wrong.reason})` })));
  }
}

const percent = (ratio) => (ratio === undefined || ratio === null ? '–' : `${Math.round(ratio * 100)}%`);

/** Per model version: its registry status, traffic, live accuracy, step error rates, and what the gate decided. */
function renderVersions(versions) {
  $('versions').hidden = versions.length === 0;
  $('versions-rows').replaceChildren(...versions.map((v) => el('tr', { dataset: { version: v.modelVersion } },
    el('td', { class: 'version-name', text: v.modelVersion }),
    el('td', {}, el('span', { class: `version-status status-${(v.status || 'unknown').toLowerCase()}`,
      text: v.status ? v.status.toLowerCase() : '–' })),
    el('td', { class: 'version-share', text: percent(v.share) }),
    el('td', { class: 'version-answers', text: String(v.answers) }),
    el('td', { class: 'version-accuracy', text: v.labelled ? `${percent(v.accuracy)} (${v.correct} of ${v.labelled})` : '–' }),
    el('td', { class: 'version-memory-errors',
      text: v.memoryStepsJudged ? `${percent(v.memoryErrorRate)} of ${v.memoryStepsJudged}` : '–' }),
    el('td', { class: 'version-reason-errors',
      text: v.reasonStepsJudged ? `${percent(v.reasonErrorRate)} of ${v.reasonStepsJudged}` : '–' }),
    el('td', { class: 'version-decision', text: v.reason || '' }))));
}

// ---------------------------------------------------------------------------------------------------------------

/** An address ending in #q=<question id> selects that question, now or as soon as it arrives. */
function selectFromAddress() {
  const fromAddress = /^#q=(.+)$/.exec(location.hash);
  if (!fromAddress) return;
  const id = decodeURIComponent(fromAddress[1]);
  if (id === state.selected) return;
  if (state.traces.has(id)) select(id); else state.wanted = id;
}

function start() {
  selectFromAddress();
  window.addEventListener('hashchange', selectFromAddress);
  for (const id of ['filter-version', 'filter-task', 'filter-status']) $(id).addEventListener('change', applyFilters);
  $('ask').addEventListener('submit', ask);
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  // A page left for another (or kept in the back/forward cache) gives its place among the server's open streams
  // back, and takes one again when it is shown.
  window.addEventListener('pagehide', () => {
    if (stream) stream.close();
  });
  window.addEventListener('pageshow', (e) => {
    if (e.persisted && stream && may('watch')) connect();
  });
  loadSession();
}

start();
