// What an editor does to a record: verify it (the annual check) or flag it for review. A form
// sends the version of the record the editor read (its page's), or, from the queue, the current
// one; an error is shown beside the field it names.
import { html, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query } from "./graphql.js";

const RESULT = `__typename
  ... on Receipt { id version position }
  ... on Error { code message }
  ... on InvalidInputError { field }
  ... on VersionConflictError { currentVersion }`;

const VERIFY = `mutation Verify($input: VerifyRecordInput!) { verifyRecord(input: $input) { ${RESULT} } }`;
const FLAG = `mutation Flag($input: RecordReasonInput!) { flagRecordForReview(input: $input) { ${RESULT} } }`;
const VERSION = `query Version($id: ID!) { node(id: $id) {
  ... on Organization { version } ... on Service { version } ... on Location { version } } }`;

const METHODS = ["PHONE", "EMAIL", "WEBSITE", "IN_PERSON", "DOCUMENT"];

/** The input's field an error names ("input.confirmedBy" → "confirmedBy"). */
function named(field) {
  return (field || "").replace(/^input\./, "");
}

function Field({ id, label, error, children }) {
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${children}
    ${error && html`<p class="error" id=${`${id}-error`} role="alert">${error}</p>`}
  </div>`;
}

function invalid(id, error) {
  return { "aria-invalid": error ? "true" : null, "aria-describedby": error ? `${id}-error` : null };
}

function Form({ kind, id, name, version, tr, onDone, onCancel }) {
  const [values, setValues] = useState({ method: "PHONE", confirmedBy: "", note: "", reason: "" });
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState("");
  const [busy, setBusy] = useState(false);
  const [expected, setExpected] = useState(version);
  const form = useRef(null);
  const base = `${kind}-${id}`;

  useEffect(() => {
    const first = form.current && form.current.querySelector("select, input, textarea");
    if (first) first.focus();
  }, []);

  useEffect(() => {
    const wrong = form.current && form.current.querySelector("[aria-invalid='true']");
    if (wrong) wrong.focus();
  }, [errors]);

  const set = (key) => (e) => setValues({ ...values, [key]: e.target.value });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral("");
    try {
      const current = expected ?? (await versionOf(id));
      setExpected(current);
      const input = kind === "verify"
        ? { id, expectedVersion: current, method: values.method, confirmedBy: values.confirmedBy,
            note: values.note.trim() ? values.note : null }
        : { id, expectedVersion: current, reason: values.reason };
      const data = await query(kind === "verify" ? VERIFY : FLAG, { input });
      const result = data[kind === "verify" ? "verifyRecord" : "flagRecordForReview"];
      if (result.__typename === "Receipt") return onDone(kind, result, name);
      if (result.__typename === "InvalidInputError")
        // Beside its field, the message needs not name the field again.
        setErrors({ [named(result.field)]: result.message.replace(`${result.field}: `, "") });
      else if (result.__typename === "VersionConflictError") {
        setExpected(result.currentVersion);
        setGeneral(tr.conflict);
      } else setGeneral(result.message);
    } catch (error) {
      setGeneral(error.message);
    } finally {
      setBusy(false);
    }
  };

  const shown = kind === "verify" ? ["method", "confirmedBy", "note"] : ["reason"];
  const other = Object.entries(errors).find(([key]) => !shown.includes(key));
  return html`<form class="action" ref=${form} noValidate onSubmit=${submit}
      aria-label=${`${kind === "verify" ? tr.verify : tr.flag} — ${name}`}>
    ${kind === "verify"
      ? html`
        <${Field} id=${`${base}-method`} label=${tr.method} error=${errors.method}>
          <select id=${`${base}-method`} value=${values.method} onChange=${set("method")}
            ...${invalid(`${base}-method`, errors.method)}>
            ${METHODS.map((m) => html`<option value=${m} selected=${m === values.method}>${tr.methods[m]}</option>`)}
          </select>
        <//>
        <${Field} id=${`${base}-confirmedBy`} label=${tr.confirmedBy} error=${errors.confirmedBy}>
          <input id=${`${base}-confirmedBy`} name="confirmedBy" value=${values.confirmedBy} maxlength="200"
            aria-required="true" autocomplete="off" onInput=${set("confirmedBy")}
            ...${invalid(`${base}-confirmedBy`, errors.confirmedBy)} />
        <//>
        <${Field} id=${`${base}-note`} label=${tr.note} error=${errors.note}>
          <textarea id=${`${base}-note`} name="note" rows="2" value=${values.note} onInput=${set("note")}
            ...${invalid(`${base}-note`, errors.note)}></textarea>
        <//>`
      : html`
        <${Field} id=${`${base}-reason`} label=${tr.reason} error=${errors.reason}>
          <textarea id=${`${base}-reason`} name="reason" rows="2" value=${values.reason} aria-required="true"
            onInput=${set("reason")} ...${invalid(`${base}-reason`, errors.reason)}></textarea>
        <//>`}
    ${(general || other) && html`<p class="error" role="alert">${general || other[1]}</p>`}
    <div class="buttons">
      <button type="submit" disabled=${busy}>${kind === "verify" ? tr.saveVerify : tr.saveFlag}</button>
      <button type="button" onClick=${onCancel}>${tr.cancel}</button>
    </div>
  </form>`;
}

export async function versionOf(id) {
  const data = await query(VERSION, { id });
  if (!data.node) throw new Error("?");
  return data.node.version;
}

/** The verify and flag buttons of one record, and the form the pressed one opens. */
export function Actions({ id, name, version, tr, described, onDone }) {
  const [open, setOpen] = useState(null);
  const buttons = useRef(null);
  const close = () => {
    const was = open;
    setOpen(null);
    // Back to the button that opened the form.
    setTimeout(() => {
      const button = buttons.current && buttons.current.querySelector(`[data-kind="${was}"]`);
      if (button) button.focus();
    });
  };
  const toggle = (kind) => (open === kind ? close() : setOpen(kind));
  return html`<div class="actions" ref=${buttons}>
    <div class="buttons">
      ${["verify", "flag"].map((kind) => html`<button type="button" data-kind=${kind}
        aria-expanded=${open === kind ? "true" : "false"} aria-describedby=${described}
        onClick=${() => toggle(kind)}>${tr[kind]}</button>`)}
    </div>
    ${open && html`<${Form} key=${open} kind=${open} id=${id} name=${name} version=${version} tr=${tr}
      onCancel=${close} onDone=${(kind, receipt) => {
        // The parent answers true when it moved the focus itself (the row is leaving).
        if (!onDone(kind, receipt, name)) close();
        else setOpen(null);
      }} />`}
  </div>`;
}
