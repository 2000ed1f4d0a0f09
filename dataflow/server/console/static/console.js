// The console's only script: line numbers and finding markers beside the editor, jumping to a finding's line,
// confirmations, and live refresh of running jobs (server-rendered fragments polled once a second).
'use strict';

function setupEditor() {
  const box = document.querySelector('.editor');
  if (!box) return;
  const text = box.querySelector('textarea');
  const gutter = box.querySelector('.gutter');
  const marked = new Set((box.dataset.marked || '').split(',').filter(Boolean).map(Number));
  const findings = new Map();
  document.querySelectorAll('#findings li[data-line]').forEach((item) => {
    const line = Number(item.dataset.line);
    findings.set(line, (findings.get(line) ? findings.get(line) + '\n' : '') + item.textContent.trim().replace(/\s+/g, ' '));
  });
  function render() {
    const count = text.value.split('\n').length;
    gutter.replaceChildren();
    for (let line = 1; line <= count; line += 1) {
      const span = document.createElement('span');
      span.textContent = String(line);
      span.dataset.line = String(line);
      if (marked.has(line)) {
        span.className = 'bad';
        span.title = findings.get(line) || 'a problem on this line';
      }
      gutter.appendChild(span);
    }
    gutter.scrollTop = text.scrollTop;
  }
  text.addEventListener('scroll', () => { gutter.scrollTop = text.scrollTop; });
  text.addEventListener('input', () => { marked.clear(); render(); });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Tab' && !event.shiftKey) {
      event.preventDefault();
      text.setRangeText('  ', text.selectionStart, text.selectionEnd, 'end');
    }
  });
  document.querySelectorAll('#findings li[data-line] a.at').forEach((link) => {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      const item = link.closest('li');
      goTo(text, Number(item.dataset.line), Number(item.dataset.column || 1));
    });
  });
  const params = document.getElementById('params-form');
  if (params) {
    params.addEventListener('submit', () => { params.querySelector('textarea[name=text]').value = text.value; });
    const select = params.querySelector('[data-submit-on-change]');
    if (select) select.addEventListener('change', () => params.requestSubmit());
  }
  render();
  if (marked.size) {  // show the first problem without stealing the focus
    const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 18;
    text.scrollTop = Math.max(0, (Math.min(...marked) - 4) * lineHeight);
  }
}

function goTo(text, line, column) {
  const lines = text.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  text.focus();
  text.setSelectionRange(offset, offset + Math.max(1, (lines[line - 1] || '').length - column + 1));
  const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 18;
  text.scrollTop = Math.max(0, (line - 4) * lineHeight);
}

function setupConfirmations() {
  document.querySelectorAll('form[data-confirm]').forEach((form) => {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// A [data-live] block re-renders from its URL every second while its content says something is running (and,
// with data-watch-seconds, for that long after the page loads: a job just asked for may not have started yet).
function setupLive() {
  document.querySelectorAll('[data-live]').forEach((block) => {
    const watchUntil = Date.now() + 1000 * Number(block.dataset.watchSeconds || 0);
    const running = () => block.querySelector('[data-running="true"]') !== null || Date.now() < watchUntil;
    async function refresh() {
      try {
        const response = await fetch(block.dataset.live, { headers: { Accept: 'text/html' } });
        if (response.ok) {
          block.innerHTML = await response.text();
          setupConfirmations();
        }
      } catch (error) {
        // the server may be restarting: try again at the next tick
      }
      if (running()) window.setTimeout(refresh, 1000);
    }
    if (running()) window.setTimeout(refresh, 1000);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  setupEditor();
  setupConfirmations();
  setupLive();
});
