// A territory at any level, by name: a select for the places directly within Québec, then one
// for the places within the one chosen, and so on down to boroughs. The URL keeps only the code
// chosen; the chain of selects above it is read back from its parents.
import { html, useEffect, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";

const ROOT = "QC";
const CHILDREN = `query Within($within: String!) {
  territories(within: $within, first: 2000) {
    __typename
    ... on TerritoryList { nodes { code name kind } }
    ... on Error { message }
  }
}`;
const PATH = `query Path($code: String!) {
  territory(code: $code) {
    __typename
    ... on Territory { code name parent { code name parent { code name parent { code name
      parent { code name } } } } }
    ... on Error { message }
  }
}`;

const children = new Map();
const names = new Map([[ROOT, null]]);

function within(code) {
  if (!children.has(code))
    children.set(code, query(CHILDREN, { within: code }).then((data) => {
      const found = data.territories;
      if (found.__typename !== "TerritoryList") throw new Error(found.message);
      const nodes = found.nodes.slice().sort((a, b) => a.name.localeCompare(b.name, "fr"));
      for (const node of nodes) names.set(node.code, node.name);
      return nodes;
    }).catch((error) => {
      children.delete(code);
      throw error;
    }));
  return children.get(code);
}

/** The codes from the top (below Québec) down to `code`. */
async function path(code) {
  if (!code) return [];
  const data = await query(PATH, { code });
  let node = data.territory;
  if (node.__typename !== "Territory") throw new Error(node.message);
  const found = [];
  while (node && node.code !== ROOT) {
    names.set(node.code, node.name);
    found.unshift(node.code);
    node = node.parent;
  }
  return found;
}

/** The territory's name, once a picker has read it (null for the whole province). */
export function territoryName(code) {
  return code ? names.get(code) || code : null;
}

export function TerritoryPicker({ id, label, value, tr, onChange, onError, onNamed }) {
  const [chain, setChain] = useState(null);
  const [levels, setLevels] = useState([]);

  useEffect(() => {
    let live = true;
    path(value)
      .then((codes) => {
        if (!live) return;
        setChain(codes);
        onNamed();
      })
      .catch((error) => live && (setChain([]), onError(error.message)));
    return () => { live = false; };
  }, [value]);

  useEffect(() => {
    if (chain === null) return;
    let live = true;
    Promise.all([ROOT, ...chain].map(within))
      .then((lists) => live && setLevels(lists))
      .catch((error) => live && onError(error.message));
    return () => { live = false; };
  }, [chain && chain.join("/")]);

  return html`<fieldset class="portrait-places">
    <legend>${label}</legend>
    ${levels.map((options, level) => {
      if (!options.length) return null;
      const parent = level === 0 ? null : chain[level - 1];
      const chosen = chain[level] || "";
      return html`<div class="field" key=${parent || ROOT}>
        <label for=${`${id}-${level}`}>${level === 0 ? tr.topLevel : tr.within(names.get(parent))}</label>
        <select id=${`${id}-${level}`} value=${chosen}
          onChange=${(e) => onChange(e.target.value || parent || "")}>
          <option value="">${level === 0 ? tr.wholeProvince : tr.whole(names.get(parent))}</option>
          ${options.map((o) => html`<option value=${o.code} selected=${o.code === chosen}>${o.name}</option>`)}
        </select>
      </div>`;
    })}
  </fieldset>`;
}
