// A small GraphQL client over fetch. The token lives in sessionStorage only (never in a URL):
// pasted once, it lasts as long as the browser's session.
const TOKEN = "guichet.token";
const root = document.body.dataset.root || "";

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

export async function query(document, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const response = await fetch(`${root}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: document, variables }),
    credentials: "omit",
  });
  const body = await response.json().catch(() => null);
  const failed = !body || !response.ok || (body.errors && body.errors.length);
  if (failed) {
    const message = body && body.errors && body.errors.length ? body.errors[0].message : "";
    throw Object.assign(new Error(message || `HTTP ${response.status}`), { status: response.status });
  }
  return body.data;
}
