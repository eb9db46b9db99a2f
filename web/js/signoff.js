// signoff.js — approving a submitted step, or returning it with a comment, for the
// learner's manager or coach. Used by the activity page and the sign-off queue.
//
// Approve is one press (the step is done; nothing is lost by it). Return opens a dialog
// asking what to change: the comment is required, since it is all the learner gets to go
// on, and it is checked here before sending; the server's refusal is shown in the dialog
// with the comment kept. After a return the dialog closes and the caller re-draws.

import { post } from './api.js';
import { button, errorSummary, field, h, modalDialog, showFormErrors, whileBusy } from './ui.js';

export const COMMENT_MAX = 2000;

/** POST …/signoff approve; resolves to the activity as the server answers it. */
export function approveActivity(id, { signal } = {}) {
  return post(`/api/v1/activities/${encodeURIComponent(id)}/signoff`, { decision: 'approve' }, { signal });
}

/**
 * Opens the "Return" dialog for activity { id, title } of learner { name }. onReturned(answer)
 * runs after the server accepted the return and the dialog closed; it should re-draw and
 * move focus (the button that opened the dialog is usually gone by then).
 */
export function openReturnDialog({ activity, learner, signal, onReturned, test = 'return-dialog' }) {
  const who = learner?.name || 'the learner';
  const comment = field({
    label: `What should ${who} change?`,
    name: 'comment',
    type: 'textarea',
    hint: `${who} sees your comment with the step, which opens again for them. At most 2,000 characters.`,
    attrs: { rows: '5', maxlength: String(COMMENT_MAX), required: true },
    test: `${test}-comment`,
  });
  const summary = errorSummary({ test: `${test}-errors` });
  let answer = null;
  modalDialog({
    title: `Return “${activity.title}”`,
    test,
    content: (close) => {
      const send = button('Return the step', { type: 'submit', test: `${test}-ok` });
      const form = h('form', { class: 'form', novalidate: true, dataset: { test: `${test}-form` } },
        summary.el,
        comment.el,
        h('div', { class: 'dialog__actions' },
          button('Cancel', { variant: 'secondary', test: `${test}-cancel`, onClick: close }),
          send));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        summary.clear();
        const text = comment.value().trim();
        if (!text) {
          showFormErrors(summary, [comment], { details: [{ field: 'comment', message: 'Write a comment: it tells them what to change' }] }, { heading: 'The step was not returned' });
          comment.focus();
          return;
        }
        if ([...text].length > COMMENT_MAX) {
          showFormErrors(summary, [comment], { details: [{ field: 'comment', message: `Shorten the comment to ${COMMENT_MAX} characters or fewer` }] }, { heading: 'The step was not returned' });
          comment.focus();
          return;
        }
        await whileBusy(send, 'Returning…', async () => {
          try {
            answer = await post(`/api/v1/activities/${encodeURIComponent(activity.id)}/signoff`, { decision: 'return', comment: text }, { signal });
          } catch (err) {
            if (err.name === 'AbortError') return;
            showFormErrors(summary, [comment], err, { heading: 'The step was not returned' });
            return;
          }
          close();
        });
      });
      return form;
    },
    onClose: () => {
      if (answer) onReturned?.(answer);
    },
  });
}
