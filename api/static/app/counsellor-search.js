// The counsellor's compact search: the directory's search and filters, each result with a
// button that refers the chosen need to it. The search is kept in the URL (without adding to
// the history: the back button leaves the screen, not a search typed during a call).
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { SEARCH } from "./counsellor-data.js";
// The directory's reading of a search from the URL and its filter, with the shell's labels.
import { Filter, readSearch } from "./directory.js";

function mirror(state) {
  const params = new URLSearchParams(window.location.search);
  for (const [name, value] of [["q", state.text], ["territoire", state.territory],
    ["categorie", state.category], ["langue", state.language], ["ouvert", state.open ? "1" : ""]]) {
    if (value) params.set(name, value);
    else params.delete(name);
  }
  const search = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (search ? `?${search}` : ""));
}

export function SearchPanel({ lang, tr, text, params, needs, locked, onRefer }) {
  const [state, setState] = useState(() => readSearch(params));
  const [words, setWords] = useState(state.text);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [target, setTarget] = useState(0);
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    mirror(state);
    if (!state.text && !state.category && !state.territory && !state.language) return setResult(null);
    let live = true;
    setError(null);
    query(SEARCH, {
      text: state.text || null, territory: state.territory || null,
      categories: state.category ? [state.category] : null,
      languages: state.language ? [state.language] : null,
      openAt: state.open ? new Date().toISOString() : null, language: lang.toUpperCase(),
    }).then((data) => {
      if (!live) return;
      const found = data.searchServices;
      if (found.__typename !== "SearchConnection") setError(found.message);
      else setResult(found);
    }, (e) => live && setError(e.message));
    return () => { live = false; };
  }, [state.text, state.territory, state.category, state.language, state.open, lang, asked]);

  useEffect(() => {
    if (target >= needs.length) setTarget(Math.max(needs.length - 1, 0));
  }, [needs.length]);

  const set = (change) => setState({ ...state, ...change });
  const facets = result ? result.facets : { categories: [], languages: [], territories: [] };
  return html`<section class="finder" aria-labelledby="finder-title">
    <h2 id="finder-title">${tr.find}</h2>
    <form role="search" class="search" onSubmit=${(e) => {
      e.preventDefault();
      set({ text: words.trim() });
      setAsked(asked + 1);
    }}>
      <div class="field wide">
        <label for="finder-words">${text.words}</label>
        <input id="finder-words" type="search" maxlength="200" autocomplete="off" value=${words}
          onInput=${(e) => setWords(e.target.value)} />
      </div>
      <button type="submit">${tr.searchButton}</button>
      <${Filter} id="finder-territory" label=${text.territory} any=${text.anyTerritory} value=${state.territory}
        values=${facets.territories} onChange=${(v) => set({ territory: v })} />
      <${Filter} id="finder-category" label=${text.category} any=${text.anyCategory} value=${state.category}
        values=${facets.categories} onChange=${(v) => set({ category: v })} />
      <${Filter} id="finder-language" label=${text.languageFilter} any=${text.anyLanguage} value=${state.language}
        values=${facets.languages} onChange=${(v) => set({ language: v })} />
      <div class="field check">
        <input id="finder-open" type="checkbox" checked=${state.open} onChange=${(e) => set({ open: e.target.checked })} />
        <label for="finder-open">${text.openNow}</label>
      </div>
    </form>
    ${needs.length > 0 ? html`<div class="field refer-target">
        <label for="refer-need">${tr.referFor}</label>
        <select id="refer-need" onChange=${(e) => setTarget(Number(e.target.value))}>
          ${needs.map((n, i) => html`<option value=${i} selected=${i === target}>${tr.need(i + 1)} : ${n.name[lang] || n.name.fr}</option>`)}
        </select>
      </div>` : html`<p class="status">${tr.needFirst}</p>`}
    <div role="status" class="status" id="finder-count">
      ${error ? "" : result ? tr.results(result.totalCount) : ""}
    </div>
    ${error && html`<p class="error" role="alert">${text.error}${error}</p>`}
    ${result && result.nodes.length === 0 && html`<p>${tr.none}</p>`}
    ${result && html`<ul class="finder-results">${result.nodes.map((hit) => {
      const name = hit.name[lang] || hit.name.fr;
      const need = needs[target];
      const done = need && need.referrals.some((r) => r.serviceId === hit.serviceId);
      return html`<li key=${hit.id}>
        <span class="name">${name}</span>
        <span class="org">${hit.organizationName[lang] || hit.organizationName.fr}${hit.city ? ` · ${hit.city}` : ""}</span>
        <button type="button" class="refer" disabled=${!need || locked} aria-disabled=${done ? "true" : null}
          onClick=${() => !done && onRefer(target, hit)}>${done ? tr.referred(name) : tr.refer(name)}</button>
      </li>`;
    })}</ul>`}
  </section>`;
}
