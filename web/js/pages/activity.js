// pages/activity.js — one activity (/activities/{id}): what to do, when it is due, and
// doing it.
//
// Everyone who may read the enrolment sees the step: its kind, phase, due date in words,
// effort, the instructions (the server's sanitised HTML, put on the page only inside their
// own container, through markdown-preview.js's safeFragment) and the link to follow. The
// learner's reflection and evidence are shown to every reader once sent, and the
// feedback of sign-offs with them; a step sent back shows its latest comment first, where
// the learner cannot miss it.
//
// The learner, while the step is open and the enrolment active (can.complete), gets the
// completion form: a reflection (required for reflect steps), evidence as a note, a link
// and files. Files are sent as soon as they are chosen and added (multipart to
// …/files), listed with a download link and a Remove button. Sending checks what it can
// first (a reflection, the evidence a step requires, a full web address); whatever the
// server still refuses (409 already done or paused, 422 a field) is shown on the form with
// everything typed kept. Afterwards the page shows the new state: done, or waiting for
// sign-off. The manager or coach who signs the step off (can.sign_off) gets Approve and
// Return (with a comment, in a dialog).

import { del, get, post } from '../api.js';
import {
  activityKindBadge, activityStatusBadge, completionForLearner, dateInWords, dueInWords, evidenceInWords, opensInWords,
  sizeInWords, todayFor,
} from '../journey-data.js';
import { safeFragment } from '../markdown-preview.js';
import { approveActivity, openReturnDialog } from '../signoff.js';
import { completionLabel, effortText } from '../workflow-data.js';
import {
  button, card, confirmDialog, errorState, errorSummary, field, formatWhen, h, loadingState, pageHeader, showFormErrors,
  statusMessage, timeEl, uid, whileBusy,
} from '../ui.js';

const TEXT_MAX = 10000;
const FILES_MAX = 10;
const FILE_BYTES_MAX = 10 * 1024 * 1024;
const ACCEPT = '.pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.docx,.xlsx,.pptx,.odt,.ods,.odp,application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain';
const JOURNEY = { href: '/', label: 'Your journey' };

function isWebAddress(value) {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A link that leaves Waymark, opening in a new tab (and saying so). */
function externalLink(href, label, { test, asButton = false } = {}) {
  if (!isWebAddress(href)) return h('span', { dataset: { test } }, label);
  return h('a', {
    href,
    target: '_blank',
    rel: 'noopener noreferrer',
    class: asButton ? 'button button--secondary' : 'external-link',
    dataset: { test, external: '' },
  }, label, h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'));
}

function fileUrl(activityId, fileId) {
  return `/api/v1/activities/${encodeURIComponent(activityId)}/files/${encodeURIComponent(fileId)}`;
}

/** A download link for an evidence file: its name, then its size. */
function fileLink(activityId, f) {
  return [
    h('a', { href: fileUrl(activityId, f.id), download: f.name || '', class: 'file-list__name', dataset: { test: 'evidence-file-link' } }, f.name || 'file'),
    h('span', { class: 'file-list__size' }, ` ${sizeInWords(f.size)}`),
  ];
}

/** The learner's reflection and evidence, read-only (null when nothing was sent). */
function submission(a, { mine }) {
  const files = a.files || [];
  if (!a.reflection && !a.evidence_text && !a.evidence_url && !files.length) return null;
  const parts = [];
  if (a.reflection) {
    parts.push(h('h3', { class: 'submission__label' }, 'Reflection'),
      h('p', { class: 'submission__text pre-line', dataset: { test: 'submission-reflection' } }, a.reflection));
  }
  if (a.evidence_text) {
    parts.push(h('h3', { class: 'submission__label' }, 'Evidence'),
      h('p', { class: 'submission__text pre-line', dataset: { test: 'submission-evidence-text' } }, a.evidence_text));
  }
  if (a.evidence_url) {
    parts.push(h('h3', { class: 'submission__label' }, 'Link'),
      h('p', { class: 'submission__url' }, externalLink(a.evidence_url, a.evidence_url, { test: 'submission-evidence-url' })));
  }
  if (files.length) {
    parts.push(h('h3', { class: 'submission__label' }, files.length === 1 ? 'File' : 'Files'),
      h('ul', { class: 'file-list', dataset: { test: 'submission-files' } }, files.map((f) => h('li', { class: 'file-list__item', dataset: { test: 'submission-file' } }, fileLink(a.id, f)))));
  }
  const when = a.submitted_at || a.completed_at;
  return card({ title: mine ? 'What you sent' : `What ${a.learner?.name || 'the learner'} sent`, test: 'submission', wide: true },
    when ? h('p', { class: 'muted', dataset: { test: 'submission-when' } }, 'Sent ', timeEl(when)) : null,
    ...parts);
}

/** The sign-off history, oldest first. */
function feedbackList(a) {
  const items = a.feedback || [];
  if (!items.length) return null;
  return card({ title: 'Sign-off history', test: 'feedback-history', wide: true },
    h('ol', { class: 'feedback-list' }, items.map((f) => h('li', { class: 'feedback-list__item', dataset: { test: 'feedback-item', decision: f.decision } },
      h('p', { class: 'feedback-list__head' },
        h('strong', {}, f.decision === 'approve' ? 'Approved' : 'Returned'),
        f.author?.name ? ` by ${f.author.name}` : '', ' ', timeEl(f.created_at, { fallback: '' })),
      f.comment ? h('p', { class: 'feedback-list__comment pre-line', dataset: { test: 'feedback-comment' } }, f.comment) : null))));
}

/** The latest return, shown prominently while the step is open again. */
function returnedNotice(a) {
  if (a.status !== 'returned') return null;
  const last = [...(a.feedback || [])].reverse().find((f) => f.decision === 'return');
  return h('section', { class: 'returned', 'aria-labelledby': 'returned-title', dataset: { test: 'activity-returned' } },
    h('h2', { id: 'returned-title', class: 'returned__title' }, 'Sent back for another try'),
    last
      ? [
        h('p', { class: 'returned__who' }, last.author?.name ? `${last.author.name} wrote` : 'The comment', ' ', timeEl(last.created_at, { fallback: '' }), ':'),
        h('blockquote', { class: 'returned__comment pre-line', dataset: { test: 'activity-returned-comment' } }, last.comment || ''),
      ]
      : h('p', {}, 'Change what you sent and send it again.'));
}

export function activityPage({ outlet, params, session, signal }) {
  const id = encodeURIComponent(params.id);
  const base = `/api/v1/activities/${id}`;
  const box = h('div', {}, pageHeader({ title: 'Activity', back: JOURNEY }), loadingState('Loading the activity…', { test: 'activity-loading' }));
  outlet.append(box);
  const today = todayFor(session);
  let back = null; // where the page was first reached from; kept after a sign-off or a send

  function backFor(a) {
    if (a.learner?.id === session.user.id) return JOURNEY;
    if (a.can?.sign_off) return { href: '/signoffs', label: 'Sign-offs' };
    return { href: `/enrolments/${encodeURIComponent(a.enrolment_id)}`, label: a.learner?.name ? `${a.learner.name}’s enrolment` : 'Enrolment' };
  }

  function facts(a, mine) {
    const due = dueInWords(a, today);
    const opens = opensInWords(a, today, session.tenant?.time_zone);
    const rows = [];
    if (!mine && a.learner?.name) rows.push(['Learner', h('span', { dataset: { test: 'activity-learner' } }, a.learner.name)]);
    rows.push(['Workflow', h('a', { href: `/enrolments/${encodeURIComponent(a.enrolment_id)}`, dataset: { test: 'activity-enrolment-link' } }, a.workflow_title || 'Your enrolment')]);
    if (a.phase_name) rows.push(['Phase', h('span', { dataset: { test: 'activity-phase' } }, a.phase_name)]);
    if (opens) rows.push(['Opens', h('span', { dataset: { test: 'activity-opens' } }, opens)]);
    rows.push(['Due', h('span', { class: due.tone ? `due due--${due.tone}` : 'due', dataset: { test: 'activity-due' } },
      due.text, a.due_date && due.tone !== 'done' && due.tone !== 'waiting' ? h('span', { class: 'muted' }, ` (${dateInWords(a.due_date, { today })})`) : null)]);
    if (a.effort_minutes) rows.push(['Effort', h('span', { dataset: { test: 'activity-effort' } }, `About ${effortText(a.effort_minutes)}`)]);
    rows.push(['Completed by', h('span', { dataset: { test: 'activity-completion' } }, mine ? completionForLearner(a.completion) : completionLabel(a.completion))]);
    const evidence = evidenceInWords(a.evidence);
    if (evidence) rows.push(['Evidence', h('span', { dataset: { test: 'activity-evidence-rule' } }, evidence)]);
    if (a.completed_by?.name && a.status === 'completed' && a.completed_by.id !== a.learner?.id) rows.push(['Signed off by', a.completed_by.name]);
    return h('dl', { class: 'details activity__facts', dataset: { test: 'activity-facts' } },
      rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  }

  /** Where the activity stands, in one message (null when it is simply open to do). */
  function stateMessage(a, mine) {
    const who = a.completion === 'coach_signoff' ? 'coach' : 'manager';
    if (a.enrolment_status && a.enrolment_status !== 'active' && a.status !== 'completed') {
      const words = { paused: 'This workflow is paused', withdrawn: 'This enrolment was withdrawn', completed: 'This enrolment is complete' };
      return statusMessage({ tone: 'info', title: words[a.enrolment_status] || 'This enrolment is not active', detail: a.enrolment_status === 'paused' ? 'Its activities wait until it is resumed; their dates move on by the time it was paused.' : 'Its activities can no longer be done.', test: 'activity-state' });
    }
    switch (a.status) {
      case 'completed':
        return statusMessage({ tone: 'ok', title: mine ? 'You have done this one' : 'Done', detail: a.completed_at ? `Completed ${formatWhen(a.completed_at)}.` : null, test: 'activity-state' });
      case 'awaiting_signoff':
        return statusMessage({
          tone: 'info',
          title: mine ? `Waiting for your ${who}’s sign-off` : 'Waiting for sign-off',
          detail: mine ? `You sent it ${formatWhen(a.submitted_at, { fallback: 'earlier' })}. Your ${who} approves it or sends it back with a comment.` : `Sent ${formatWhen(a.submitted_at, { fallback: 'earlier' })}.`,
          test: 'activity-state',
        });
      case 'locked':
        return statusMessage({ tone: 'info', title: 'Not open yet', detail: `${opensInWords(a, today, session.tenant?.time_zone) || 'It opens soon'}. You can read it now and do it from then.`, test: 'activity-state' });
      case 'skipped':
        return statusMessage({ tone: 'info', title: 'Skipped', detail: 'This step is not needed any more.', test: 'activity-state' });
      default:
        if (a.completion === 'assessor' || a.completion === 'xapi') {
          return statusMessage({ tone: 'info', title: 'Recorded elsewhere', detail: a.completion === 'xapi' ? 'It is marked done when you finish it in the linked course.' : 'An assessor records it when they have judged your evidence.', test: 'activity-state' });
        }
        return null;
    }
  }

  // ---- the completion form ------------------------------------------------------------------

  function completionForm(a, { onDone }) {
    const reflect = a.kind === 'reflect';
    const wantsEvidence = a.evidence && a.evidence !== 'none';
    const who = a.completion === 'coach_signoff' ? 'coach' : 'manager';
    const signoff = a.completion === 'manager_signoff' || a.completion === 'coach_signoff';
    const reflection = field({
      label: 'Your reflection',
      name: 'reflection',
      type: 'textarea',
      value: a.reflection || '',
      optional: !reflect,
      hint: reflect
        ? 'What did you do, what happened, and what will you do next time? A few honest lines are enough.'
        : 'A few lines on what you did and what you noticed.',
      attrs: { rows: '6', maxlength: String(TEXT_MAX), required: reflect || undefined },
      test: 'complete-reflection',
    });
    const fields = [reflection];
    let evidenceText = null;
    let evidenceUrl = null;
    let fileField = null;
    let files = [...(a.files || [])];
    const fileList = h('ul', { class: 'file-list', dataset: { test: 'evidence-files' } });
    const fileSaid = h('p', { class: 'visually-hidden', role: 'status', dataset: { test: 'evidence-files-said' } });
    const parts = [];

    function drawFiles() {
      fileList.replaceChildren(...files.map((f) => h('li', { class: 'file-list__item', dataset: { test: 'evidence-file' } },
        h('span', { class: 'file-list__what' }, fileLink(a.id, f)),
        a.can?.upload
          ? button('Remove', { variant: 'quiet', size: 'small', test: 'evidence-file-remove', ariaLabel: `Remove ${f.name}`, onClick: (e) => removeFile(f, e.currentTarget) })
          : null)));
      fileList.hidden = !files.length;
    }

    async function removeFile(f, btn) {
      const ok = await confirmDialog({ title: `Remove “${f.name}”?`, message: 'The file is deleted from this activity. You can add it again later.', confirmLabel: 'Remove', danger: true, test: 'confirm-remove-file' });
      if (!ok) return;
      await whileBusy(btn, 'Removing…', async () => {
        try {
          await del(`${base}/files/${encodeURIComponent(f.id)}`, { signal });
        } catch (err) {
          if (err.name === 'AbortError') return;
          fileField.setError(`“${f.name}” was not removed: ${err.message}`);
          return;
        }
        const i = files.findIndex((x) => x.id === f.id);
        files = files.filter((x) => x.id !== f.id);
        drawFiles();
        fileSaid.textContent = `${f.name} removed.`;
        const next = fileList.querySelectorAll('[data-test="evidence-file-remove"]')[Math.min(i, files.length - 1)];
        (next || fileField.input).focus();
      });
    }

    if (wantsEvidence) {
      evidenceText = field({
        label: 'Evidence: a note',
        name: 'evidence_text',
        type: 'textarea',
        value: a.evidence_text || '',
        optional: true,
        hint: 'What you did or made, in your own words.',
        attrs: { rows: '4', maxlength: String(TEXT_MAX) },
        test: 'complete-evidence-text',
      });
      evidenceUrl = field({
        label: 'Evidence: a link',
        name: 'evidence_url',
        type: 'url',
        value: a.evidence_url || '',
        optional: true,
        hint: 'A full web address, for example https://docs.example.com/my-plan.',
        attrs: { inputmode: 'url', autocomplete: 'url', spellcheck: 'false', maxlength: '2000' },
        test: 'complete-evidence-url',
      });
      fields.push(evidenceText, evidenceUrl);
      parts.push(evidenceText.el, evidenceUrl.el);
      if (a.can?.upload) {
        fileField = field({
          label: 'Evidence: files',
          name: 'files',
          type: 'file',
          optional: true,
          hint: `Up to ${FILES_MAX} files of 10 MB each: PDF, pictures, text, Word, Excel, PowerPoint or OpenDocument.`,
          attrs: { multiple: true, accept: ACCEPT },
          test: 'complete-files',
        });
        fields.push(fileField);
        const upload = button('Add the files', { variant: 'secondary', test: 'complete-files-upload', onClick: (e) => uploadFiles(e.currentTarget) });
        parts.push(h('div', { class: 'evidence-files' }, fileField.el, h('div', { class: 'evidence-files__actions' }, upload), fileSaid, fileList));
      } else {
        parts.push(fileList);
      }
    }

    async function uploadFiles(btn) {
      fileField.setError(null);
      const chosen = [...(fileField.input.files || [])];
      if (!chosen.length) {
        fileField.setError('Choose one or more files first');
        fileField.focus();
        return;
      }
      if (files.length + chosen.length > FILES_MAX) {
        fileField.setError(`An activity holds at most ${FILES_MAX} files: remove some first, or choose fewer`);
        fileField.focus();
        return;
      }
      const big = chosen.find((f) => f.size > FILE_BYTES_MAX);
      if (big) {
        fileField.setError(`“${big.name}” is larger than 10 MB`);
        fileField.focus();
        return;
      }
      const form = new FormData();
      for (const f of chosen) form.append('file', f, f.name);
      await whileBusy(btn, 'Adding…', async () => {
        let res;
        try {
          res = await post(`${base}/files`, form, { signal });
        } catch (err) {
          if (err.name === 'AbortError') return;
          fileField.setError(err.status === 0 ? 'The files were not sent: Waymark could not reach its server. Try again.' : err.message);
          fileField.focus();
          return;
        }
        const added = res?.files || [];
        for (const f of added) if (!files.some((x) => x.id === f.id)) files.push(f);
        fileField.input.value = '';
        drawFiles();
        fileSaid.textContent = added.length === 1 ? `${added[0].name} added.` : `${added.length} files added.`;
      });
    }

    drawFiles();
    const summary = errorSummary({ test: 'complete-errors' });
    const submitLabel = signoff ? `Send to your ${who}` : 'Mark as done';
    const submit = button(submitLabel, { type: 'submit', test: 'complete-submit' });
    const form = h('form', { class: 'form', novalidate: true, dataset: { test: 'complete-form' } },
      summary.el, reflection.el, ...parts,
      h('div', { class: 'form__actions' }, submit));

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      summary.clear();
      const body = {};
      const values = {
        reflection: reflection.value().trim(),
        evidence_text: evidenceText?.value().trim() || '',
        evidence_url: evidenceUrl?.value().trim() || '',
      };
      for (const [k, v] of Object.entries(values)) if (v) body[k] = v;
      const problems = [];
      if (reflect && !values.reflection) problems.push({ field: 'reflection', message: 'Write your reflection: this step is about it' });
      for (const f of ['reflection', 'evidence_text']) {
        if ([...values[f]].length > TEXT_MAX) problems.push({ field: f, message: `Shorten it to ${TEXT_MAX.toLocaleString()} characters or fewer` });
      }
      if (values.evidence_url && !isWebAddress(values.evidence_url)) problems.push({ field: 'evidence_url', message: 'Enter a full web address, starting with https://' });
      if (a.evidence === 'required' && !values.evidence_text && !values.evidence_url && !files.length) {
        problems.push({ field: 'evidence_text', message: 'Add your evidence: a note, a link or a file' });
      }
      if (problems.length) {
        showFormErrors(summary, fields, { details: problems }, { heading: 'Please check what you wrote' });
        return;
      }
      await whileBusy(submit, 'Sending…', async () => {
        let answer;
        try {
          answer = await post(`${base}/complete`, body, { signal });
        } catch (err) {
          if (err.name === 'AbortError') return;
          showFormErrors(summary, fields, err, {
            heading: err.details?.length ? 'Please check what you wrote' : (signoff ? 'It was not sent' : 'It was not marked as done'),
          });
          return;
        }
        for (const f of fields) f.setError(null);
        await onDone(answer);
      });
    });

    return card({
      title: signoff ? 'Done it? Send it for sign-off' : 'Done it? Mark it as done',
      test: 'complete',
      wide: true,
      lead: signoff
        ? `Your ${who} reads what you send and approves the step, or sends it back with a comment.`
        : 'Your reflection and evidence stay with this step; your manager can read them.',
    }, form);
  }

  // ---- sign-off ---------------------------------------------------------------------------

  function signOffCard(a, { onDone }) {
    const learner = a.learner?.name || 'The learner';
    const approve = button('Approve', {
      test: 'signoff-approve',
      onClick: async (e) => {
        await whileBusy(e.currentTarget, 'Approving…', async () => {
          let answer;
          try {
            answer = await approveActivity(a.id, { signal });
          } catch (err) {
            if (err.name === 'AbortError') return;
            said.replaceChildren(errorState(err, { title: 'The step was not approved', test: 'signoff-error' }));
            return;
          }
          await onDone(answer, { tone: 'ok', title: 'Approved', detail: `${learner} sees the step as done.` });
        });
      },
    });
    const ret = button('Return…', {
      variant: 'secondary',
      test: 'signoff-return',
      ariaLabel: `Return “${a.title}” to ${learner} with a comment`,
      onClick: () => openReturnDialog({
        activity: a,
        learner: a.learner,
        signal,
        onReturned: (answer) => onDone(answer, { tone: 'ok', title: `Returned to ${learner}`, detail: 'They see your comment with the step, which is open for them again.' }),
      }),
    });
    const said = h('div', { class: 'notice-area', dataset: { test: 'signoff-notice' } });
    return card({ title: 'Your sign-off', test: 'signoff', wide: true, lead: `${learner} sent this step ${formatWhen(a.submitted_at, { fallback: 'earlier' })}. Approve it, or return it with a comment saying what to change.` },
      said, h('div', { class: 'form__actions' }, approve, ret));
  }

  // ---- the page ---------------------------------------------------------------------------

  function draw(a, notice) {
    document.title = `${a.title} · Waymark`;
    back = back || backFor(a);
    const mine = a.learner?.id === session.user.id;
    const noticeArea = h('div', { class: 'notice-area', dataset: { test: 'activity-notice' } });
    if (notice) {
      const msg = statusMessage({ ...notice, role: 'alert', test: 'activity-done' });
      msg.setAttribute('tabindex', '-1');
      noticeArea.append(msg);
    }
    const instructionsId = uid('instructions');
    const hasInstructions = Boolean(a.instructions_html && a.instructions_html.trim());
    const linkOk = a.link_url && isWebAddress(a.link_url);
    const instructions = hasInstructions || linkOk
      ? h('section', { class: 'activity__instructions card card--wide', 'aria-labelledby': instructionsId, dataset: { test: 'activity-instructions' } },
        h('h2', { id: instructionsId, class: 'card__title' }, 'What to do'),
        hasInstructions ? h('div', { class: 'markdown', dataset: { test: 'activity-instructions-body' } }, safeFragment(a.instructions_html)) : null,
        linkOk ? h('p', { class: 'activity__link' }, externalLink(a.link_url, 'Open the link', { test: 'activity-link-url', asButton: true })) : null)
      : null;
    const prompt = a.manager_prompt && !mine
      ? card({ title: 'For the manager', test: 'activity-manager-prompt', wide: true }, h('p', { class: 'pre-line' }, a.manager_prompt))
      : null;
    const onDone = async (answer, message) => {
      let fresh = answer && answer.can ? answer : null;
      if (!fresh) {
        try {
          fresh = await get(base, { signal });
        } catch (err) {
          if (err.name === 'AbortError') return;
          fresh = { ...a, ...(answer || {}) };
        }
      }
      const signoffStep = fresh.completion === 'manager_signoff' || fresh.completion === 'coach_signoff';
      const who = fresh.completion === 'coach_signoff' ? 'coach' : 'manager';
      const note = message || (fresh.status === 'awaiting_signoff'
        ? { tone: 'ok', title: `Sent to your ${who}`, detail: `Your ${who} approves it or sends it back with a comment. It is in “Waiting for sign-off” on your journey.` }
        : { tone: 'ok', title: 'Done — well done', detail: signoffStep ? 'It is signed off.' : 'It is marked as done on your journey.' });
      draw(fresh, note);
    };
    box.replaceChildren(h('div', { class: 'stack activity', dataset: { test: 'activity', status: a.status } },
      pageHeader({ title: a.title, back }),
      h('p', { class: 'activity__badges' }, activityKindBadge(a.kind), activityStatusBadge(a.status)),
      noticeArea,
      returnedNotice(a),
      stateMessage(a, mine),
      facts(a, mine),
      instructions,
      prompt,
      a.can?.complete ? completionForm(a, { onDone }) : submission(a, { mine }),
      a.can?.sign_off ? signOffCard(a, { onDone }) : null,
      feedbackList(a)));
    const focusTarget = noticeArea.firstChild;
    if (focusTarget) focusTarget.focus();
  }

  async function load() {
    let a;
    try {
      a = await get(base, { signal });
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 404 || err.status === 400) {
        box.replaceChildren(pageHeader({ title: 'Activity not found', back: JOURNEY }),
          statusMessage({ tone: 'info', title: 'There is no such activity here', detail: 'It may belong to someone else, or the link may be mistyped.', test: 'activity-missing' }));
      } else {
        box.replaceChildren(pageHeader({ title: 'Activity', back: JOURNEY }),
          errorState(err, { title: 'Waymark could not load this activity', retry: () => load(), test: 'activity-error' }));
      }
      return;
    }
    draw(a);
  }
  return load();
}
