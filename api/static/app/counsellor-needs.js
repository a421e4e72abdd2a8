// Needs of the contact in progress: added by category name (a type-ahead over the taxonomy's
// names and synonyms, arrows and Enter), each with its referrals, information and unmet reason.
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { loadTerms, matchTerms } from "./counsellor-data.js";

export const REASONS = [
  "NOT_AVAILABLE_IN_TERRITORY", "ELIGIBILITY_NOT_MET", "COST_TOO_HIGH", "SCHEDULE_UNSUITABLE",
  "WAITING_LIST_FULL", "LANGUAGE_BARRIER", "NO_TRANSPORT",
];

/** A type-ahead's keys: arrows move through the suggestions, Enter picks, Escape clears. */
export function listKeys(found, active, setActive, pick, clear) {
  const open = found.length > 0;
  return (e) => {
    if (e.key === "ArrowDown" && open) { e.preventDefault(); setActive((active + 1) % found.length); }
    else if (e.key === "ArrowUp" && open) { e.preventDefault(); setActive((active - 1 + found.length) % found.length); }
    else if (e.key === "Enter") { e.preventDefault(); if (open) pick(found[Math.min(active, found.length - 1)]); }
    else if (e.key === "Escape") clear();
  };
}

export function NeedPicker({ lang, tr, onPick, disabled }) {
  const [terms, setTerms] = useState([]);
  const [typed, setTyped] = useState("");
  const [active, setActive] = useState(0);
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    loadTerms().then(setTerms, (e) => setFailed(e.message));
  }, []);
  const found = matchTerms(terms, typed, lang);
  const open = found.length > 0;
  const pick = (term) => {
    onPick(term);
    setTyped("");
    setActive(0);
  };
  const keys = listKeys(found, active, setActive, pick, () => setTyped(""));
  return html`<div class="field need-picker">
    <label for="need-name">${tr.addNeed}</label>
    <input id="need-name" type="text" role="combobox" autocomplete="off" maxlength="100"
      aria-autocomplete="list" aria-expanded=${open ? "true" : "false"} aria-controls="need-options"
      aria-describedby="need-help" disabled=${disabled}
      aria-activedescendant=${open ? `need-option-${Math.min(active, found.length - 1)}` : null}
      value=${typed} onInput=${(e) => { setTyped(e.target.value); setActive(0); }} onKeyDown=${keys} />
    <small id="need-help">${tr.addNeedHelp}</small>
    <ul id="need-options" role="listbox" aria-label=${tr.addNeed} class=${open ? "options" : "options empty"}>
      ${found.map((term, i) => html`<li id=${`need-option-${i}`} role="option" key=${term.code}
        aria-selected=${i === active ? "true" : "false"}
        onMouseDown=${(e) => { e.preventDefault(); pick(term); }}>
        ${term.name[lang] || term.name.fr} <span class="code">${term.code}</span></li>`)}
    </ul>
    <span role="status" class="status">${failed || (typed.trim() && !open ? tr.noTerm : open ? tr.termsCount(found.length) : "")}</span>
  </div>`;
}

export function NeedCard({ need, index, lang, tr, locked, change, remove }) {
  const id = `need-${index}`;
  return html`<li class="need" id=${id} aria-labelledby=${`${id}-title`}>
    <h3 id=${`${id}-title`} tabindex="-1">${tr.need(index + 1)} : ${need.name[lang] || need.name.fr}
      <span class="code">${need.code}</span></h3>
    ${need.error && html`<p class="error" role="alert">${need.error}</p>`}
    ${need.referrals.length > 0 && html`<h4>${tr.referrals}</h4>
      <ul class="referrals">${need.referrals.map((r) => html`<li key=${r.serviceId}>
        <${Snapshot} referral=${r} tr=${tr} name=${r.shownName || r.serviceName} />
        <button type="button" disabled=${locked} aria-label=${`${tr.removeReferral} : ${r.shownName || r.serviceName}`}
          onClick=${() => {
            change({ referrals: need.referrals.filter((x) => x.serviceId !== r.serviceId) });
            document.getElementById(`${id}-title`)?.focus();
          }}>${tr.removeReferral}</button>
      </li>`)}</ul>`}
    <div class="need-fields">
      <div class="field">
        <label for=${`${id}-information`}>${tr.information}</label>
        <textarea id=${`${id}-information`} rows="2" maxlength="2000" disabled=${locked}
          value=${need.information} onInput=${(e) => change({ information: e.target.value })}></textarea>
      </div>
      <div class="field">
        <label for=${`${id}-reason`}>${tr.unmet} : ${tr.reason}</label>
        <select id=${`${id}-reason`} disabled=${locked} onChange=${(e) => change({ unmetReason: e.target.value })}>
          <option value="" selected=${!need.unmetReason}>${tr.noReason}</option>
          ${REASONS.map((r) => html`<option value=${r} selected=${need.unmetReason === r}>${tr.reasons[r]}</option>`)}
        </select>
      </div>
      ${need.unmetReason && html`<div class="field">
        <label for=${`${id}-unmet-note`}>${tr.unmet} : ${tr.note}</label>
        <input id=${`${id}-unmet-note`} type="text" maxlength="2000" disabled=${locked}
          value=${need.unmetNote} onInput=${(e) => change({ unmetNote: e.target.value })} />
      </div>`}
    </div>
    <button type="button" class="remove" disabled=${locked} onClick=${remove}
      aria-label=${`${tr.removeNeed} : ${tr.need(index + 1)}`}>${tr.removeNeed}</button>
  </li>`;
}

export function Snapshot({ referral, tr, name }) {
  return html`<div class="snapshot">
    <strong>${name}</strong>
    <span>${tr.organization} : ${referral.organizationName}</span>
    ${referral.phone && html`<span>${tr.phone} : <a href=${`tel:${referral.phone}`}>${referral.phone}</a></span>`}
    ${referral.address && html`<span>${tr.address} : ${referral.address}</span>`}
  </div>`;
}
