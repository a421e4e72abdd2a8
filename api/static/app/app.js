// The shell: header (language switch, sign-in), the screen the path names, and a router that
// keeps every screen at a URL of its own under /app/.
import { html, render, useEffect, useRef, useState } from "./vendor/preact-htm.js";
import { query, setToken, token } from "./graphql.js";
import { language, setLanguage, t } from "./i18n.js";
import { RecordPage, SearchPage } from "./directory.js";

const base = `${document.body.dataset.root || ""}/app/`;
// The counsellor's contact in progress, in this tab's session (counsellor-data.js).
const CONTACT = "guichet.contact";

function location() {
  const path = window.location.pathname.startsWith(base)
    ? window.location.pathname.slice(base.length)
    : "";
  return { path, params: new URLSearchParams(window.location.search) };
}

// The screens, in the header's order, and the roles that see each (admin sees all; null: everyone).
// A screen other than the directory is a module of its own, loaded the first time it is shown, so
// that each page's first load carries only its own code. Its `Screen` gets { lang, text, params,
// rest (the path after the screen's id), navigate, viewer }; its texts live in its module.
const SCREENS = [
  { id: "search", label: "directory", roles: null },
  { id: "contacts", label: "counsellor", roles: ["counsellor"], module: "./counsellor.js" },
  { id: "portrait", label: "portrait", roles: null, module: "./portrait.js" },
  { id: "coverage", label: "coverage", roles: null, module: "./coverage.js" },
  // Auditors read a record's history there, without the editors' actions.
  { id: "editors", label: "editors", roles: ["editor", "auditor"], module: "./editors.js" },
];

function allowed(screen, viewer) {
  if (!screen.roles) return true;
  return Boolean(viewer) && (viewer.role === "admin" || screen.roles.includes(viewer.role));
}

function Lazy({ screen, ...props }) {
  const [loaded, setLoaded] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    import(screen.module)
      .then((module) => live && setLoaded(() => module.Screen))
      .catch(() => live && setFailed(true));
    return () => { live = false; };
  }, [screen.module]);
  if (failed) return html`<p class="error" role="alert">${props.text.offline}</p>`;
  if (!loaded) return html`<p class="status" role="status">${props.text.loading}</p>`;
  const Screen = loaded;
  return html`<${Screen} ...${props} />`;
}

// Signing in or out starts the page again: every screen then reads, and subscribes, as the new
// viewer, and nothing drawn for the previous one stays on screen (exact figures kept live by a
// socket signed in with the old token, for instance).
function restart() {
  window.location.reload();
}

function SignIn({ tr, viewer, refused }) {
  const [open, setOpen] = useState(refused);
  const [value, setValue] = useState("");
  const field = useRef(null);
  useEffect(() => {
    if (open && field.current) field.current.focus();
  }, [open]);
  if (viewer && viewer.role !== "public")
    return html`<div class="signin"><span>${tr.signedAs(viewer.name, tr.roles[viewer.role] || viewer.role)}</span>
      <button type="button" id="sign-out" onClick=${() => {
        // What this tab kept for the one signing out (a contact in progress, a position) is
        // not the next user's.
        if (sessionStorage.getItem(CONTACT) && !window.confirm(tr.signOutContact)) return;
        sessionStorage.clear();
        restart();
      }}>${tr.signOut}</button></div>`;
  if (!open)
    return html`<div class="signin"><button type="button" id="sign-in" onClick=${() => setOpen(true)}>${tr.signIn}</button></div>`;
  return html`<form class="signin" onKeyDown=${(e) => e.key === "Escape" && setOpen(false)} onSubmit=${(e) => {
    e.preventDefault();
    if (!value.trim()) return;
    setToken(value.trim());
    restart();
  }}>
    <label for="token">${tr.token}</label>
    <input id="token" ref=${field} type="password" autocomplete="off" value=${value} aria-describedby="token-help"
      onInput=${(e) => setValue(e.target.value)} />
    <small id="token-help" role=${refused ? "alert" : null}>${refused ? tr.refused : tr.tokenHelp}</small>
    <button type="submit">${tr.signIn}</button>
    <button type="button" onClick=${() => setOpen(false)}>${tr.cancel}</button>
  </form>`;
}

function App() {
  const [where, setWhere] = useState(location());
  const [lang, setLang] = useState(language());
  const [viewer, setViewer] = useState(null);
  const [refused, setRefused] = useState(false);
  const tr = t(lang);

  useEffect(() => {
    const moved = () => setWhere(location());
    window.addEventListener("popstate", moved);
    return () => window.removeEventListener("popstate", moved);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => {
    query("{ viewer { name role } }")
      .then((data) => {
        setViewer(data.viewer);
        setRefused(false);
      })
      .catch((error) => {
        // A token the server refuses is forgotten: the public screens still work. Any other
        // failure (the network) keeps it for the next try.
        if (error.status === 401 && token()) {
          setToken(null);
          setRefused(true);
        }
        setViewer({ name: "public", role: "public" });
      });
  }, []);

  const navigate = (to) => {
    window.history.pushState(null, "", base + to);
    setWhere(location());
    window.scrollTo(0, 0);
  };

  const screens = SCREENS.filter((s) => allowed(s, viewer));
  const record = where.path.match(/^services\/([^/]+)$/);
  const [first, ...rest] = where.path.split("/");
  const chosen = record ? SCREENS[0] : SCREENS.find((s) => s.id === first) || SCREENS[0];
  const props = { lang, text: tr, params: where.params, rest: rest.join("/"), navigate, viewer };
  let screen;
  if (record)
    screen = html`<${RecordPage} lang=${lang} text=${tr} id=${decodeURIComponent(record[1])} navigate=${navigate} />`;
  else if (!chosen.module)
    screen = html`<${SearchPage} lang=${lang} text=${tr} params=${where.params} navigate=${navigate} />`;
  else if (!viewer)
    screen = html`<p class="status" role="status">${tr.loading}</p>`;
  else if (!allowed(chosen, viewer))
    screen = html`<h1>${tr[chosen.label]}</h1><p role="alert">${tr.needRole(chosen.roles.map((r) => tr.roles[r]))}</p>`;
  else screen = html`<${Lazy} key=${chosen.id} screen=${chosen} ...${props} />`;

  return html`
    <a class="skip" href="#content">${tr.skip}</a>
    <header>
      <a class="brand" href=${base} onClick=${(e) => { e.preventDefault(); navigate(""); }}>${tr.title}</a>
      <nav aria-label=${tr.title}>
        <ul>${screens.map((s) => html`<li><a href=${base + s.id}
          aria-current=${s === chosen ? "page" : null}
          onClick=${(e) => { e.preventDefault(); navigate(s.id); }}>${tr[s.label]}</a></li>`)}</ul>
      </nav>
      <button type="button" id="language" lang=${tr.otherLang} onClick=${() => {
        setLanguage(tr.otherLang);
        setLang(tr.otherLang);
      }}>${tr.other}</button>
      <${SignIn} key=${refused} tr=${tr} viewer=${viewer} refused=${refused} />
    </header>
    <main id="content" tabindex="-1">${screen}</main>`;
}

render(html`<${App} />`, document.getElementById("app"));
