// Runs the sandbox's Visa page script in a minimal simulated browser (node >= 18) and plays the
// host's side of the postMessage protocol against a running sandbox.
// Usage: node visa_page_sim.js BASE_URL REGISTER_ID REGISTER_ENDPOINT REGISTER_PAYLOAD
//                              AUTH_ID AUTH_ENDPOINT AUTH_PAYLOAD
// Prints one JSON line per message the page posts; exits non-zero on any protocol deviation.
"use strict";
const [base, regId, regEndpoint, regPayload, authId, authEndpoint, authPayload] = process.argv.slice(2);

function check(condition, what) {
  if (!condition) { throw new Error(what); }
}

(async () => {
  const page = await fetch(base + "/vts-auth/authenticate?apikey=k&clientAppID=app", {
    headers: { accept: "text/html,*/*" },
  });
  const html = await page.text();
  const script = html.slice(html.indexOf("<script>") + "<script>".length, html.indexOf("</script>"));

  const posted = [];
  let waiter = null;
  const host = {
    postMessage(message, targetOrigin) {
      posted.push(message);
      console.log(JSON.stringify({ targetOrigin, message }));
      if (waiter) { waiter(); }
    },
  };
  const listeners = {};
  const elements = {};
  const element = (id) => (elements[id] ||= {
    textContent: "",
    hidden: true,
    listeners: {},
    addEventListener(type, f) { this.listeners[type] = f; },
  });
  globalThis.window = {
    opener: null,
    parent: host,
    crypto: require("crypto").webcrypto,
    addEventListener(type, f) { listeners[type] = f; },
    close() {},
  };
  globalThis.document = { getElementById: element };
  globalThis.navigator = { language: "en-US", userAgent: "visa-page-sim" };
  globalThis.screen = { colorDepth: 24, height: 900, width: 1440 };
  const realFetch = fetch;
  globalThis.fetch = (path, options) => realFetch(base + path, options);
  const nextPost = () => new Promise((resolve) => {
    waiter = () => { waiter = null; resolve(posted[posted.length - 1]); };
  });
  const hostSays = (data) => listeners.message({ source: host, data });
  const authenticate = (requestID, identifier, endpoint, payload, action) => JSON.stringify({
    type: "AUTHENTICATE", requestID, version: "1",
    authenticationContext: {
      identifier, endpoint, payload, action, platformType: "WEB",
      authenticationPreferencesEnabled: { responseType: "code", responseMode: "com_visa_web_message" },
    },
  });

  // Load: AUTH_READY.
  (0, eval)(script);
  const ready = posted[0];
  check(ready && ready.type === "AUTH_READY" && ready.requestID, "AUTH_READY on load");
  const requestID = ready.requestID;

  // CREATE_AUTH_SESSION → AUTH_SESSION_CREATED.
  let post = nextPost();
  hostSays({ type: "CREATE_AUTH_SESSION", requestID, version: "1", client: { id: "client-1" } });
  const created = await post;
  check(created.type === "AUTH_SESSION_CREATED", "AUTH_SESSION_CREATED");
  check(created.requestID === requestID, "session echoes requestID");
  check(created.sessionContext.secureToken.startsWith("ezAwMX06"), "secureToken");
  check(created.browserData.userAgent === "visa-page-sim", "browserData from the browser");
  check(created.browserData.browserHeader === "text/html,*/*", "browserHeader from the Accept header");

  // A message from another window is ignored.
  listeners.message({ source: {}, data: authenticate(requestID, regId, regEndpoint, regPayload, "REGISTER") });
  check(element("ceremony").hidden, "a foreign message is ignored");

  // AUTHENTICATE (REGISTER) → "Use passkey" → AUTH_COMPLETE.
  hostSays(authenticate(requestID, regId, regEndpoint, regPayload, "REGISTER"));
  check(!element("ceremony").hidden, "the buttons are shown");
  post = nextPost();
  element("use-passkey").listeners.click();
  const complete = await post;
  check(complete.type === "AUTH_COMPLETE", "AUTH_COMPLETE");
  check(complete.assuranceData.identifier === regId, "assuranceData.identifier");
  check(typeof complete.assuranceData.fidoBlob === "string", "assuranceData.fidoBlob");

  // AUTHENTICATE → "Cancel" → AUTH_CANCELLED.
  hostSays(authenticate(requestID, authId, authEndpoint, authPayload, "AUTHENTICATE"));
  post = nextPost();
  element("cancel").listeners.click();
  check((await post).type === "AUTH_CANCELLED", "AUTH_CANCELLED");

  // A forged payload → AUTH_FAILED.
  hostSays(authenticate(requestID, authId, authEndpoint, "x.y.z", "AUTHENTICATE"));
  post = nextPost();
  element("use-passkey").listeners.click();
  const failed = await post;
  check(failed.type === "AUTH_FAILED" && failed.reason === "INVALID_PAYLOAD", "AUTH_FAILED");

  // CLOSE_AUTH_SESSION: nothing more is acted on.
  hostSays({ type: "CLOSE_AUTH_SESSION", requestID, version: "1" });
  hostSays(authenticate(requestID, authId, authEndpoint, authPayload, "AUTHENTICATE"));
  check(element("ceremony").hidden, "closed");
  console.log("SIMULATION OK");
})().catch((error) => { console.error("SIMULATION FAILED:", error.message); process.exit(1); });
