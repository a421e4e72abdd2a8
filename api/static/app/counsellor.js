// The counsellor's screen: a contact built in the page while the call goes on (kept in
// sessionStorage, so a reload loses nothing), logged whole at the close under a key made once
// for it, so that a retry after a lost answer never logs it twice; and the follow-ups due today.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { LANGUAGES, TEXT, languageName } from "./counsellor-text.js";
import {
  keepContact, keptContact, logContact, montreal, newKey, readLogged, recordInput, referralPreview,
} from "./counsellor-data.js";
import { NeedCard, NeedPicker, Snapshot } from "./counsellor-needs.js";
import { SearchPanel } from "./counsellor-search.js";
import { FollowUps } from "./counsellor-follow.js";
import { setToken } from "./graphql.js";
import {
  AGE_BANDS, AGE_VALUES, CallerFields, CONFIDENTIAL, NO_CALLER, placeLabel,
} from "./counsellor-place.js";

const CHANNELS = ["PHONE", "EMAIL", "CHAT", "IN_PERSON"];
const INQUIRERS = ["SELF", "THIRD_PARTY", "PROFESSIONAL"];
const DISPOSITIONS = ["COMPLETED", "HANG_UP", "WRONG_NUMBER", "TEST"];

function StartForm({ lang, tr, onStart }) {
  const [channel, setChannel] = useState("PHONE");
  const [language, setLanguage] = useState(lang);
  const [interpreter, setInterpreter] = useState(false);
  const [inquirer, setInquirer] = useState("SELF");
  const [caller, setCaller] = useState(NO_CALLER);
  return html`<form class="start" aria-labelledby="start-title" onSubmit=${(e) => {
    e.preventDefault();
    onStart({ channel, language, interpreter, inquirer, caller });
  }}>
    <h2 id="start-title">${tr.start}</h2>
    <div class="field">
      <label for="contact-channel">${tr.channel}</label>
      <select id="contact-channel" onChange=${(e) => setChannel(e.target.value)}>
        ${CHANNELS.map((c) => html`<option value=${c} selected=${c === channel}>${tr.channels[c]}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="contact-language">${tr.callLanguage}</label>
      <select id="contact-language" onChange=${(e) => setLanguage(e.target.value)}>
        ${LANGUAGES.map((code) => html`<option value=${code} selected=${code === language}>${languageName(code, lang)}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="contact-inquirer">${tr.inquirer}</label>
      <select id="contact-inquirer" onChange=${(e) => setInquirer(e.target.value)}>
        ${INQUIRERS.map((c) => html`<option value=${c} selected=${c === inquirer}>${tr.inquirers[c]}</option>`)}
      </select>
    </div>
    <div class="field check">
      <input id="contact-interpreter" type="checkbox" checked=${interpreter}
        onChange=${(e) => setInterpreter(e.target.checked)} />
      <label for="contact-interpreter">${tr.interpreter}</label>
    </div>
    <${CallerFields} tr=${tr} caller=${caller} change=${(patch) => setCaller((c) => ({ ...c, ...patch }))} />
    <button type="submit" id="contact-start">${tr.begin}</button>
  </form>`;
}

function CloseForm({ tr, close, locked, sending, change, onLog }) {
  return html`<form class="close" aria-labelledby="close-title" onSubmit=${(e) => { e.preventDefault(); onLog(); }}>
    <h2 id="close-title">${tr.close}</h2>
    <div class="field">
      <label for="contact-disposition">${tr.disposition}</label>
      <select id="contact-disposition" disabled=${locked} onChange=${(e) => change({ disposition: e.target.value })}>
        ${DISPOSITIONS.map((d) => html`<option value=${d} selected=${d === close.disposition}>${tr.dispositions[d]}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="follow-up-due">${tr.followUp}</label>
      <input id="follow-up-due" type="date" disabled=${locked} value=${close.followUpDue}
        onInput=${(e) => change({ followUpDue: e.target.value })} />
    </div>
    ${close.followUpDue && html`<div class="field wide">
      <label for="follow-up-note">${tr.followUpNote}</label>
      <input id="follow-up-note" type="text" maxlength="2000" disabled=${locked} value=${close.followUpNote}
        onInput=${(e) => change({ followUpNote: e.target.value })} />
    </div>`}
    <button type="submit" id="contact-log" disabled=${locked}>${sending ? tr.logging : tr.log}</button>
  </form>`;
}

function Logged({ lang, tr, contact, onNew }) {
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const title = useRef(null);
  const { id, position, replayed } = contact.logged;
  useEffect(() => {
    readLogged(id, position).then((found) => {
      if (found.__typename === "Interaction") setRecord(found);
      else setError(found.message);
    }, (e) => setError(e.message));
  }, [id]);
  useEffect(() => title.current && title.current.focus(), []);
  const names = Object.fromEntries(contact.needs.map((n) => [n.code, n.name[lang] || n.name.fr]));
  return html`<section class="logged" aria-labelledby="logged-title">
    <h2 id="logged-title" tabindex="-1" ref=${title}>${tr.logged}</h2>
    ${replayed && html`<p role="status">${tr.replayed}</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${record && html`<div id="logged-record" data-id=${record.id}>
      <h3>${tr.recorded}</h3>
      <p>${[tr.dispositions[record.disposition.toUpperCase()], tr.channels[record.channel.toUpperCase()],
        languageName(record.language, lang), record.interpreter ? tr.interpreter : null].filter(Boolean).join(" · ")}</p>
      <p id="logged-caller">${callerSummary(tr, record.inquirer, contact.caller)}</p>
      <ol class="needs-logged">${record.needs.map((need) => html`<li key=${need.number}>
        <strong>${names[need.code] || need.code}</strong> <span class="code">${need.code}</span>
        ${need.referrals.map((r) => html`<${Snapshot} referral=${r} tr=${tr} name=${r.serviceName} />`)}
        ${need.information.map((text) => html`<p>${tr.information} : ${text}</p>`)}
        ${need.unmet && html`<p class="unmet">${tr.unmet} : ${tr.reasons[need.unmet.reason.toUpperCase()]}${need.unmet.note ? ` (${need.unmet.note})` : ""}</p>`}
      </li>`)}</ol>
      ${record.followUps.map((f) => html`<p>${tr.followUp.replace(/ \(.*\)/, "")} ${f.due}${f.note ? ` : ${f.note}` : ""}</p>`)}
    </div>`}
    <button type="button" id="contact-new" onClick=${onNew}>${tr.newContact}</button>
  </section>`;
}

// As the server recorded the caller; the place named as the page found it.
function callerSummary(tr, inquirer, caller) {
  const bands = Object.fromEntries(AGE_BANDS.map((a) => [AGE_VALUES[a], tr.ageBands[a]]));
  const place = caller && caller.place && caller.place.code === inquirer.territory
    ? placeLabel(caller.place, tr) : inquirer.territory;
  return [
    tr.inquirers[inquirer.type.toUpperCase()],
    inquirer.territory === CONFIDENTIAL ? tr.confidentialChosen : place ? tr.placeChosen(place) : tr.noPlaceChosen,
    tr.ageIs(bands[inquirer.ageBand] || inquirer.ageBand),
    tr.genderIs(tr.genders[inquirer.gender.toUpperCase()] || inquirer.gender),
  ].filter(Boolean).join(" · ");
}

function needIndex(field) {
  const found = /^input\.needs\[(\d+)\]/.exec(field || "");
  return found ? Number(found[1]) : null;
}

export function Screen({ lang, text, params, viewer }) {
  const tr = TEXT[lang];
  // A contact kept in this tab belongs to whoever started it: another person signing in here
  // does not see it, nor log it under their name.
  const [contact, setContact] = useState(() => {
    const kept = keptContact();
    if (!kept || !kept.owner || kept.owner === viewer.name) return kept;
    keepContact(null);
    return null;
  });
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState(null); // { network } or { field, message }
  const [said, setSaid] = useState("");
  const [followed, setFollowed] = useState(0);
  const [ready, setReady] = useState(false);
  const retry = useRef(null);

  // Every change is made to the latest contact (a referral's answer may arrive after an edit).
  const update = (next) => setContact((previous) => {
    const value = typeof next === "function" ? next(previous) : next;
    keepContact(value);
    return value;
  });
  const changeCode = (code, patch) => update((c) => ({
    ...c, needs: c.needs.map((n) => (n.code === code ? { ...n, ...patch(n), error: null } : n)),
  }));
  const changeNeed = (index, patch) => changeCode(contact.needs[index].code, () => patch);
  const locked = sending || Boolean(contact && (contact.sent || contact.keyTaken));

  const start = (opening) => {
    update({
      ...opening, key: newKey(), owner: viewer.name, startedAt: montreal(new Date()), needs: [], sent: null,
      close: { disposition: "COMPLETED", followUpDue: "", followUpNote: "" },
    });
    setProblem(null);
    setTimeout(() => document.getElementById("need-name")?.focus(), 0);
  };

  const addNeed = (term) => {
    if (contact.needs.some((n) => n.code === term.code)) return;
    update((c) => ({ ...c, needs: [...c.needs, {
      code: term.code, name: term.name, referrals: [], information: "", unmetReason: "", unmetNote: "",
    }] }));
    setSaid(`${tr.need(contact.needs.length + 1)} : ${term.name[lang] || term.name.fr}`);
  };

  const refer = async (index, hit) => {
    try {
      const code = contact.needs[index].code;
      const preview = await referralPreview(hit, lang);
      changeCode(code, (need) => ({
        referrals: need.referrals.some((r) => r.serviceId === preview.serviceId)
          ? need.referrals : [...need.referrals, preview],
      }));
      setSaid(tr.referred(preview.shownName));
    } catch (e) {
      setProblem({ field: `service ${hit.serviceId}`, message: e.message });
    }
  };

  // The input is made once, at the first try, and kept: every retry sends it unchanged.
  const send = async (current) => {
    const input = current.sent || recordInput(current, { ...current.close, endedAt: montreal(new Date()) });
    const sent = { ...current, sent: input };
    update(sent);
    setSending(true);
    setProblem(null);
    try {
      const answer = await logContact(input);
      if (answer.__typename === "InteractionReceipt") {
        update({ ...sent, logged: { id: answer.id, position: answer.position, replayed: answer.replayed } });
        setFollowed(answer.position);
      } else if (answer.field === "input.key") {
        // The key logged another contact: perhaps this very call, from a tab duplicated with
        // its session. Nothing is logged under a new key until the counsellor says it is
        // another call.
        update({ ...sent, sent: null, keyTaken: true });
        setProblem({ field: answer.field, message: answer.message, text: tr.newKey });
        setTimeout(() => document.getElementById("contact-problem")?.focus(), 0);
      } else {
        // Refused: nothing was logged, so the contact may be corrected and sent again.
        const index = needIndex(answer.field);
        const needs = sent.needs.map((n, i) => (i === index ? { ...n, error: answer.message } : n));
        update({ ...sent, sent: null, needs });
        setProblem({ field: answer.field || answer.code, message: answer.message });
        setTimeout(() => document.getElementById("contact-problem")?.focus(), 0);
      }
    } catch (error) {
      // A token revoked, rotated or expired during the call is not the network: the contact
      // stays in this tab, through a new sign-in, and is sent again under the same key.
      setProblem({ network: true, signIn: error.status === 401, message: error.message });
      setTimeout(() => retry.current && retry.current.focus(), 0);
    } finally {
      setSending(false);
    }
  };

  const discard = () => {
    if (window.confirm(contact.sent ? tr.confirmDiscardSent : tr.confirmDiscard)) update(null);
  };

  let body;
  if (!contact) body = html`<${StartForm} lang=${lang} tr=${tr} onStart=${start} />`;
  else if (contact.logged)
    body = html`<${Logged} lang=${lang} tr=${tr} contact=${contact} onNew=${() => update(null)} />`;
  else body = html`<section class="contact" aria-labelledby="contact-title">
    <h2 id="contact-title">${tr.inProgress}</h2>
    <p class="summary">${[tr.channels[contact.channel], languageName(contact.language, lang),
      contact.interpreter ? tr.interpreter : null, tr.inquirers[contact.inquirer],
      tr.startedAt(new Date(contact.startedAt).toLocaleTimeString(`${lang}-CA`, { hour: "2-digit", minute: "2-digit", timeZone: "America/Montreal" })),
    ].filter(Boolean).join(" · ")}</p>
    <${CallerFields} tr=${tr} caller=${{ ...NO_CALLER, ...contact.caller }} disabled=${locked}
      change=${(patch) => update((c) => ({ ...c, caller: { ...NO_CALLER, ...c.caller, ...patch } }))} />
    <h2 id="needs-title">${tr.needs}</h2>
    <${NeedPicker} lang=${lang} tr=${tr} onPick=${addNeed} disabled=${locked} />
    ${contact.needs.length === 0 ? html`<p>${tr.noNeeds}</p>` : html`<ol class="needs" aria-labelledby="needs-title">
      ${contact.needs.map((need, i) => html`<${NeedCard} key=${need.code} need=${need} index=${i} lang=${lang}
        tr=${tr} locked=${locked} change=${(patch) => changeNeed(i, patch)}
        remove=${() => {
          update((c) => ({ ...c, needs: c.needs.filter((n) => n.code !== need.code) }));
          document.getElementById("need-name")?.focus();
        }} />`)}
    </ol>`}
    <${SearchPanel} lang=${lang} tr=${tr} text=${text} params=${params} needs=${contact.needs}
      locked=${locked} onRefer=${refer} />
    <${CloseForm} tr=${tr} close=${contact.close} locked=${locked} sending=${sending}
      change=${(patch) => update((c) => ({ ...c, close: { ...c.close, ...patch } }))} onLog=${() => send(contact)} />
    ${contact.keyTaken && !sending && html`<div class="problem">
      <button type="button" id="contact-new-key" onClick=${() => {
        const again = { ...contact, key: newKey(), keyTaken: false };
        update(again);
        send(again);
      }}>${tr.logAsNew}</button>
    </div>`}
    ${contact.sent && !sending && problem && problem.signIn && html`<div class="problem" role="alert">
      <p class="error">${tr.tokenRefused}</p>
      <button type="button" id="contact-sign-in" ref=${retry} onClick=${() => {
        setToken(null);
        window.location.reload();
      }}>${tr.signInAgain}</button>
    </div>`}
    ${contact.sent && !sending && !(problem && problem.signIn) && html`<div class="problem" role="alert">
      <p class="error">${tr.networkError}${problem && problem.network ? ` (${problem.message})` : ""}</p>
      <button type="button" id="contact-retry" ref=${retry} disabled=${sending} onClick=${() => send(contact)}>${tr.retry}</button>
    </div>`}
    ${!sending && html`<p><button type="button" class="quiet" id="contact-discard" onClick=${discard}>${tr.discard}</button></p>`}
  </section>`;

  return html`<section class="counsellor" aria-labelledby="counsellor-title" data-ready=${ready ? "" : null}>
    <h1 id="counsellor-title">${tr.title}</h1>
    ${problem && !problem.network && html`<p class="error" role="alert" id="contact-problem" tabindex="-1">${problem.text || tr.refused(problem.field, problem.message)}</p>`}
    <p class="visually-hidden" role="status">${said}</p>
    ${body}
    <${FollowUps} lang=${lang} tr=${tr} text=${text} params=${params} viewer=${viewer} refresh=${followed}
      onLoaded=${() => setReady(true)} />
  </section>`;
}
