// Starts GraphiQL on the page /graphql serves to a browser. Queries and mutations go over HTTP
// to this page's own address, subscriptions over its WebSocket (graphql-transport-ws: the
// client is bundled in graphiql.min.js). The headers editor's headers go with both: with a
// token, {"Authorization": "Bearer …"} (on the WebSocket, in connection_init).
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Guichet — GraphiQL",
    "#",
    "# Jeton / token : onglet / tab « Headers »",
    "#   {\"Authorization\": \"Bearer <jeton / token>\"}",
    "#",
    "# Ctrl-Entrée / Ctrl-Enter : exécuter / run",
    "",
    "{ __typename }",
    "",
  ].join("\n");

  var url = window.location.origin + window.location.pathname;
  var socket = new URL(url);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";

  var fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: socket.toString() });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      // A token typed in the headers editor is not kept in the browser's storage: these pages
      // are opened on shared desks.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
    })
  );
})();
