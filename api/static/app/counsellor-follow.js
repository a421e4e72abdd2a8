// Follow-ups due today (in Montréal): the counsellor's own, or everyone's; the choice is kept
// in the URL (`suivis=tous`).
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { FOLLOW_UPS } from "./counsellor-data.js";

export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "America/Montreal" }).format(new Date());
}

export function FollowUps({ lang, tr, text, params, viewer, refresh, onLoaded }) {
  const [everyone, setEveryone] = useState(params.get("suivis") === "tous");
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const day = today();

  useEffect(() => {
    const kept = new URLSearchParams(window.location.search);
    if (everyone) kept.set("suivis", "tous");
    else kept.delete("suivis");
    const search = kept.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? `?${search}` : ""));
    let live = true;
    setError(null);
    // After a contact is logged, its own follow-up is listed once the view has it.
    query(FOLLOW_UPS, { day, counsellor: everyone ? null : viewer.name, position: refresh || null })
      .then((data) => {
        if (!live) return;
        const found = data.followUpsDue;
        if (found.__typename === "FollowUpsDue") setItems(found.items);
        else setError(found.message);
      }, (e) => live && setError(e.message))
      .finally(() => live && onLoaded());
    return () => { live = false; };
  }, [everyone, refresh, day]);

  const when = (moment) => new Date(moment).toLocaleString(`${lang}-CA`, {
    dateStyle: "medium", timeStyle: "short", timeZone: "America/Montreal",
  });
  return html`<section class="follow-ups" aria-labelledby="follow-title">
    <h2 id="follow-title">${tr.followUps} <span class="day">${day}</span></h2>
    <fieldset class="whose">
      <legend>${tr.whose}</legend>
      <input type="radio" id="follow-mine" name="whose" checked=${!everyone} onChange=${() => setEveryone(false)} />
      <label for="follow-mine">${tr.mine}</label>
      <input type="radio" id="follow-all" name="whose" checked=${everyone} onChange=${() => setEveryone(true)} />
      <label for="follow-all">${tr.all}</label>
    </fieldset>
    <p role="status" class="status" id="follow-count">${items ? tr.followUpsCount(items.length) : error ? "" : text.loading}</p>
    ${error && html`<p class="error" role="alert">${text.error}${error}</p>`}
    ${items && items.length === 0 && html`<p>${tr.noFollowUps}</p>`}
    ${items && items.length > 0 && html`<ul class="follow-list">${items.map((f) => html`<li key=${`${f.interaction.id}-${f.number}`}
      data-interaction=${f.interaction.id}>
      <strong>${f.note || tr.followUps}</strong>
      <span>${tr.contactOf(when(f.interaction.startedAt), f.interaction.counsellor)}
        · ${tr.channels[f.interaction.channel.toUpperCase()]}
        ${f.interaction.needs.length ? ` · ${f.interaction.needs.map((n) => n.code).join(", ")}` : ""}</span>
    </li>`)}</ul>`}
  </section>`;
}
