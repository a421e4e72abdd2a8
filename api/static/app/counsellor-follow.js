// Follow-ups due today (in Montréal): the counsellor's own, or everyone's; the choice is kept
// in the URL (`suivis=tous`).
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { FOLLOW_UPS } from "./counsellor-data.js";

// Completing a follow-up twice is refused by the server ("already done"), so a retry after a
// lost answer cannot record two outcomes.
const COMPLETE = `mutation Done($id: ID!, $number: Int!, $outcome: String!) {
  completeFollowUp(id: $id, followUp: $number, outcome: $outcome) {
    __typename
    ... on InteractionReceipt { position }
    ... on InvalidInputError { field }
    ... on Error { code message }
  }
}`;

function Outcome({ tr, item, onDone }) {
  const [outcome, setOutcome] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = `outcome-${item.interaction.id}-${item.number}`;
  return html`<form class="outcome" onSubmit=${(e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    query(COMPLETE, { id: item.interaction.id, number: item.number, outcome: outcome.trim() })
      .then((data) => {
        const answer = data.completeFollowUp;
        if (answer.__typename === "InteractionReceipt") onDone(answer.position);
        else setError(answer.field ? `${answer.field} : ${answer.message}` : answer.message);
      }, (e) => setError(e.message))
      .finally(() => setBusy(false));
  }}>
    <div class="field wide">
      <label for=${id}>${tr.outcome}</label>
      <input id=${id} type="text" maxlength="2000" required value=${outcome}
        onInput=${(e) => setOutcome(e.target.value)} />
    </div>
    <button type="submit" disabled=${busy}>${tr.markDone}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/Montreal" }).format(new Date());
}

export function FollowUps({ lang, tr, text, params, viewer, refresh, onLoaded }) {
  const [everyone, setEveryone] = useState(params.get("suivis") === "tous");
  const [items, setItems] = useState(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState(null);
  const [completed, setCompleted] = useState(null);
  const [said, setSaid] = useState("");
  const day = today();
  const position = Math.max(refresh || 0, completed || 0) || null;

  useEffect(() => {
    const kept = new URLSearchParams(window.location.search);
    if (everyone) kept.set("suivis", "tous");
    else kept.delete("suivis");
    const search = kept.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? `?${search}` : ""));
    let live = true;
    setError(null);
    // After a contact is logged, its own follow-up is listed once the view has it.
    query(FOLLOW_UPS, { day, counsellor: everyone ? null : viewer.name, position })
      .then((data) => {
        if (!live) return;
        const found = data.followUpsDue;
        if (found.__typename === "FollowUpDuePage") {
          setItems(found.nodes);
          setTotal(found.totalCount);
        }
        else setError(found.message);
      }, (e) => live && setError(e.message))
      .finally(() => live && onLoaded());
    return () => { live = false; };
  }, [everyone, position, day]);

  const when = (moment) => new Date(moment).toLocaleString(`${lang}-CA`, {
    dateStyle: "medium", timeStyle: "short", timeZone: "America/Montreal",
  });
  return html`<section class="follow-ups" aria-labelledby="follow-title">
    <h2 id="follow-title" tabindex="-1">${tr.followUps} <span class="day">${day}</span></h2>
    <fieldset class="whose">
      <legend>${tr.whose}</legend>
      <input type="radio" id="follow-mine" name="whose" checked=${!everyone} onChange=${() => setEveryone(false)} />
      <label for="follow-mine">${tr.mine}</label>
      <input type="radio" id="follow-all" name="whose" checked=${everyone} onChange=${() => setEveryone(true)} />
      <label for="follow-all">${tr.all}</label>
    </fieldset>
    <p role="status" class="status" id="follow-done">${said}</p>
    <p role="status" class="status" id="follow-count">${items ? tr.followUpsCount(total, items.length) : error ? "" : text.loading}</p>
    ${error && html`<p class="error" role="alert">${text.error}${error}</p>`}
    ${items && items.length === 0 && html`<p>${tr.noFollowUps}</p>`}
    ${items && items.length > 0 && html`<ul class="follow-list">${items.map((f) => html`<li key=${`${f.interaction.id}-${f.number}`}
      data-interaction=${f.interaction.id}>
      <strong>${f.note || tr.followUpNoNote}</strong>
      ${f.due < day && html`<span class="late">${tr.late(f.due)}</span>`}
      <span>${[tr.contactOf(when(f.interaction.startedAt), f.interaction.counsellor),
        tr.channels[f.interaction.channel.toUpperCase()],
        f.interaction.needs.map((n) => n.code).join(", ")].filter(Boolean).join(" · ")}</span>
      <${Outcome} tr=${tr} item=${f} onDone=${(at) => {
        setSaid(tr.done(f.note || tr.followUps));
        setCompleted(at);
        document.getElementById("follow-title")?.focus();
      }} />
    </li>`)}</ul>`}
  </section>`;
}
