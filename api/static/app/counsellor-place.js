// Who calls, as the annual report counts them: where the caller lives (a municipality or a
// Montréal borough found by name, or "confidential" when no address is given), age band and
// gender. Asked at the start and editable while the call goes on, as they are often learned then.
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";
import { folded } from "./counsellor-data.js";
import { listKeys } from "./counsellor-needs.js";

export const AGE_BANDS = [
  "UNKNOWN", "UNDER_20", "TWENTIES", "THIRTIES", "FORTIES", "FIFTIES", "SIXTIES", "SEVENTY_PLUS",
];
// As the server records them (`Interaction.inquirer.ageBand`).
export const AGE_VALUES = {
  UNKNOWN: "unknown", UNDER_20: "0-19", TWENTIES: "20-29", THIRTIES: "30-39", FORTIES: "40-49",
  FIFTIES: "50-59", SIXTIES: "60-69", SEVENTY_PLUS: "70+",
};
export const GENDERS = ["UNKNOWN", "FEMALE", "MALE", "OTHER"];
export const CONFIDENTIAL = "confidential";
export const NO_CALLER = { place: null, confidential: false, ageBand: "UNKNOWN", gender: "UNKNOWN" };

// The places a caller lives in; their parent (an MRC, or Montréal for a borough) tells apart
// the thirty-odd municipalities that share a name.
const PLACES = `{ territories(first: 2000) {
  __typename
  ... on TerritoryList { nodes { code name kind parent { name } } }
  ... on Error { message } } }`;
const KEPT = "guichet.places";
const KINDS = ["MUNICIPALITY", "BOROUGH"];
let loading = null;

/** The municipalities and boroughs, read once per browser session. */
export function loadPlaces() {
  const kept = sessionStorage.getItem(KEPT);
  if (kept) return Promise.resolve(JSON.parse(kept));
  if (!loading) loading = query(PLACES).then((data) => {
    const found = data.territories;
    if (!found.nodes) throw new Error(found.message);
    const places = found.nodes.filter((p) => KINDS.includes(p.kind)).map((p) => ({
      code: p.code, name: p.name, kind: p.kind, within: p.parent ? p.parent.name : "",
    }));
    sessionStorage.setItem(KEPT, JSON.stringify(places));
    return places;
  }).finally(() => { loading = null; });
  return loading;
}

// As counsellors write them: "st-jerome" is Saint-Jérôme.
const SHORT = { st: "saint", ste: "sainte", sts: "saints", stes: "saintes" };
const WORD = /[\s'’\-–—.]+/;

/** Places whose name holds every word typed (accents and case ignored; "st", "ste" for
 * "saint", "sainte"): the name itself first, then names that start with it, then the others,
 * alphabetically. */
export function matchPlaces(places, typed) {
  const words = folded(typed).split(WORD).filter(Boolean);
  if (!words.length) return [];
  const whole = words.map((w) => SHORT[w] || w).join(" ");
  const scored = [];
  for (const place of places) {
    const parts = folded(place.name).split(WORD).filter(Boolean);
    const name = parts.join(" ");
    if (!words.every((w) => parts.some((p) => p.startsWith(w) || (SHORT[w] && p === SHORT[w])))) continue;
    scored.push([name === whole ? 0 : name.startsWith(whole) ? 1 : 2, name, place]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]) || (a[2].code < b[2].code ? -1 : 1));
  return scored.slice(0, 8).map((s) => s[2]);
}

/** The territory the server is sent: a code, "confidential", or null (not asked). */
export function callerTerritory(caller) {
  if (caller.confidential) return CONFIDENTIAL;
  return caller.place ? caller.place.code : null;
}

export function placeLabel(place, tr) {
  return `${place.name} (${tr.placeKinds[place.kind] || place.kind}${place.within ? `, ${place.within}` : ""})`;
}

function PlacePicker({ tr, caller, change, disabled }) {
  const [places, setPlaces] = useState([]);
  const [typed, setTyped] = useState("");
  const [active, setActive] = useState(0);
  const [failed, setFailed] = useState(null);
  // Read when the field is first used (127 KB of JSON for 1,284 places), not with the
  // screen: its first load stays small, and a visit for the follow-ups never reads it.
  const load = () => loadPlaces().then(setPlaces, (e) => setFailed(e.message));
  useEffect(() => { if (sessionStorage.getItem(KEPT)) load(); }, []);
  const off = disabled || caller.confidential;
  const found = off ? [] : matchPlaces(places, typed);
  const open = found.length > 0;
  const pick = (place) => {
    change({ place, confidential: false });
    setTyped("");
    setActive(0);
  };
  const keys = listKeys(found, active, setActive, pick, () => setTyped(""));
  let said = "";
  if (failed) said = failed;
  else if (typed.trim()) said = open ? tr.placesCount(found.length) : tr.noPlace;
  return html`<div class="field need-picker place-picker">
    <label for="caller-place">${tr.place}</label>
    <input id="caller-place" type="text" role="combobox" autocomplete="off" maxlength="100"
      aria-autocomplete="list" aria-expanded=${open ? "true" : "false"} aria-controls="caller-place-options"
      aria-describedby="caller-place-chosen caller-place-help" disabled=${off}
      aria-activedescendant=${open ? `caller-place-option-${Math.min(active, found.length - 1)}` : null}
      value=${typed} onFocus=${() => places.length || load()}
      onInput=${(e) => { setTyped(e.target.value); setActive(0); }} onKeyDown=${keys} />
    <small id="caller-place-help">${tr.placeHelp}</small>
    <ul id="caller-place-options" role="listbox" aria-label=${tr.place} class=${open ? "options" : "options empty"}>
      ${found.map((place, i) => html`<li id=${`caller-place-option-${i}`} role="option" key=${place.code}
        aria-selected=${i === active ? "true" : "false"}
        onMouseDown=${(e) => { e.preventDefault(); pick(place); }}>
        ${placeLabel(place, tr)} <span class="code">${place.code}</span></li>`)}
    </ul>
    <span role="status" class="status">${said}</span>
    <p id="caller-place-chosen" class="caller-place-chosen">
      ${caller.confidential ? tr.confidentialChosen : caller.place ? tr.placeChosen(placeLabel(caller.place, tr)) : tr.noPlaceChosen}
      ${caller.place && !caller.confidential && html` <button type="button" class="quiet" id="caller-place-clear"
        disabled=${disabled} onClick=${() => {
          change({ place: null });
          document.getElementById("caller-place")?.focus();
        }}>${tr.placeClear}</button>`}
    </p>
  </div>`;
}

/** The caller's place, age band and gender; `change(patch)` is given each edit. */
export function CallerFields({ tr, caller, change, disabled }) {
  return html`<fieldset class="caller">
    <legend>${tr.caller}</legend>
    <${PlacePicker} tr=${tr} caller=${caller} change=${change} disabled=${disabled} />
    <div class="field check">
      <input id="caller-confidential" type="checkbox" checked=${caller.confidential} disabled=${disabled}
        onChange=${(e) => change({ confidential: e.target.checked })} />
      <label for="caller-confidential">${tr.confidential}</label>
    </div>
    <div class="field">
      <label for="caller-age">${tr.ageBand}</label>
      <select id="caller-age" disabled=${disabled} onChange=${(e) => change({ ageBand: e.target.value })}>
        ${AGE_BANDS.map((a) => html`<option value=${a} selected=${a === caller.ageBand}>${tr.ageBands[a]}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="caller-gender">${tr.gender}</label>
      <select id="caller-gender" disabled=${disabled} onChange=${(e) => change({ gender: e.target.value })}>
        ${GENDERS.map((g) => html`<option value=${g} selected=${g === caller.gender}>${tr.genders[g]}</option>`)}
      </select>
    </div>
  </fieldset>`;
}
