// The assistant's page: streams a turn over SSE (POST /api/chat/stream), renders answers as safe markdown,
// shows sources as titled chips, takes feedback (POST /api/feedback), lists conversations (GET
// /api/conversations) and signs staff in with a token kept in sessionStorage.
"use strict";

const T = {
  en: {
    title: "Bank assistant", docTitle: "bank-router · assistant", language: "Language", skip: "Skip to the question box",
    staffSignIn: "Staff sign-in", conversations: "Conversations", noConversations: "No conversations yet.",
    newConversation: "New conversation", tokenLabel: "Staff token (JWT)",
    tokenHelp: "Paste the token your administrator gave you. It is kept only in this browser tab.",
    signIn: "Sign in", signOut: "Sign out", questionLabel: "Your question", send: "Send",
    placeholder: "Ask about accounts, cards, loans…", examples: "Example questions", log: "Conversation",
    you: "You said", answer: "Answer", sources: "Sources:", records: "From your records", policyDoc: "Why:",
    helpful: "Helpful", notHelpful: "Not helpful", comment: "Comment (optional)", sendComment: "Send comment",
    thanks: "Thanks, your feedback is saved.", feedbackFailed: "Your feedback could not be saved.",
    policy: "Bank policy", clarify: "A question for you", urgent: "Act now", error: "Error",
    signedInAs: "Staff: {sub} ({tenant})", signedOut: "Signed out.", tokenInvalid: "That token was not accepted.",
    tokenEmpty: "Paste a token first.", notReachable: "The service is not reachable.", wrong: "Something went wrong.",
    table: "Table", untitled: "Conversation",
  },
  bn: {
    title: "ব্যাংক সহকারী", docTitle: "ব্যাংক সহকারী", language: "ভাষা", skip: "প্রশ্নের ঘরে যান",
    staffSignIn: "স্টাফ সাইন-ইন", conversations: "কথোপকথন", noConversations: "এখনো কোনো কথোপকথন নেই।",
    newConversation: "নতুন কথোপকথন", tokenLabel: "স্টাফ টোকেন (JWT)",
    tokenHelp: "আপনার প্রশাসকের দেওয়া টোকেনটি এখানে দিন। এটি শুধু এই ব্রাউজার ট্যাবে রাখা হয়।",
    signIn: "সাইন ইন", signOut: "সাইন আউট", questionLabel: "আপনার প্রশ্ন", send: "পাঠান",
    placeholder: "হিসাব, কার্ড, ঋণ নিয়ে জিজ্ঞাসা করুন…", examples: "উদাহরণ প্রশ্ন", log: "কথোপকথন",
    you: "আপনি লিখেছেন", answer: "উত্তর", sources: "সূত্র:", records: "আপনার রেকর্ড থেকে", policyDoc: "কারণ:",
    helpful: "সহায়ক", notHelpful: "সহায়ক নয়", comment: "মন্তব্য (ঐচ্ছিক)", sendComment: "মন্তব্য পাঠান",
    thanks: "ধন্যবাদ, আপনার মতামত সংরক্ষিত হয়েছে।", feedbackFailed: "আপনার মতামত সংরক্ষণ করা যায়নি।",
    policy: "ব্যাংকের নীতি", clarify: "আপনার কাছে একটি প্রশ্ন", urgent: "এখনই করুন", error: "ত্রুটি",
    signedInAs: "স্টাফ: {sub} ({tenant})", signedOut: "সাইন আউট হয়েছে।", tokenInvalid: "টোকেনটি গ্রহণ করা হয়নি।",
    tokenEmpty: "আগে একটি টোকেন দিন।", notReachable: "সেবাটিতে পৌঁছানো যাচ্ছে না।", wrong: "কিছু একটা সমস্যা হয়েছে।",
    table: "সারণি", untitled: "কথোপকথন",
  },
};
const EXAMPLES = {
  en: ["Can a 16-year-old with 5,000 taka open Prime First Account?",
    "Compare Prime Visa Gold and Prime Visa Platinum credit cards", "I lost my card",
    "Which gives more profit, Islami DPS or conventional DPS?", "I want something safe",
    "How do I open an NRB savings account?"],
  bn: ["১৬ বছর বয়সে ৫,০০০ টাকা দিয়ে কি প্রাইম ফার্স্ট অ্যাকাউন্ট খোলা যায়?",
    "প্রাইম ভিসা গোল্ড আর প্রাইম ভিসা প্লাটিনাম ক্রেডিট কার্ডের তুলনা করুন", "আমার কার্ড হারিয়ে গেছে",
    "মুদারাবা কী?", "বিদেশ থেকে এনআরবি হিসাব কীভাবে খুলব?"],
};
// Why policy refused, by the policy book's rule (the API's refusal carries the rule's message, not its id).
const REASONS = {
  prompt_injection: ["Instructions that change how the assistant works are not followed.", "সহকারীর কাজের নিয়ম বদলানোর নির্দেশ মানা হয় না।"],
  system_prompt: ["The assistant's internal instructions stay private.", "সহকারীর অভ্যন্তরীণ নির্দেশনা গোপন থাকে।"],
  islami_conventional_comparison: ["Islami and conventional products are never ranked against each other by numbers.",
    "ইসলামী ও প্রচলিত পণ্যকে সংখ্যা দিয়ে একে অপরের সাথে তুলনা করা হয় না।"],
  other_person_data: ["Another person's account and personal information are private.", "অন্য কারো হিসাব ও ব্যক্তিগত তথ্য গোপনীয়।"],
  illegal_activity: ["It would break the law or the bank's rules.", "এটি আইন বা ব্যাংকের নিয়ম ভঙ্গ করবে।"],
  claimed_authority: ["Staff rights come from a signed-in staff session, not from a claim in the chat.",
    "স্টাফ অধিকার আসে সাইন-ইন করা স্টাফ সেশন থেকে, চ্যাটের দাবি থেকে নয়।"],
  out_of_scope: ["Only banking at this bank is answered here.", "এখানে শুধু এই ব্যাংকের ব্যাংকিং বিষয়ে উত্তর দেওয়া হয়।"],
  missing_permission: ["This needs a staff permission: {permission}.", "এর জন্য স্টাফ অনুমতি প্রয়োজন: {permission}।"],
  policy: ["The bank's policy does not allow this request.", "ব্যাংকের নীতিতে এই অনুরোধ অনুমোদিত নয়।"],
};
const AGENTS = {
  eligibility_graph: ["Eligibility check", "যোগ্যতা যাচাই"], comparison_graph: ["Product comparison", "পণ্য তুলনা"],
  product_info_graph: ["Product information", "পণ্যের তথ্য"], onboarding_graph: ["Opening an account", "হিসাব খোলা"],
  loan_scoring_graph: ["Loan scoring", "ঋণ স্কোরিং"], support_graph: ["Customer service", "গ্রাহক সেবা"],
  servicing_graph: ["Accounts and records", "হিসাব ও রেকর্ড"], policy_guard: ["Bank policy", "ব্যাংকের নীতি"],
  clarification_agent: ["Clarification", "স্পষ্টীকরণ"],
};
const DOMAINS = { conventional: ["Conventional", "প্রচলিত"], islami: ["Islami", "ইসলামী"], nrb: ["NRB", "এনআরবি"] };
const VERTICALS = {
  save: ["Savings and deposits", "সঞ্চয় ও আমানত"], credit_card: ["Credit cards", "ক্রেডিট কার্ড"],
  debit: ["Debit cards", "ডেবিট কার্ড"], loan: ["Loans", "ঋণ"],
};

const $ = id => document.getElementById(id);
const log = $("log"), q = $("q"), langSel = $("lang");
let lang = "en";
const t = key => T[lang][key] ?? T.en[key];
const pick = pair => pair[lang === "bn" ? 1 : 0];
const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
}

// ---- state: the session (one conversation per session id), known sessions, the staff token -------------
let sessionId = localStorage.getItem("sessionId") || uuid();
let sessions = JSON.parse(localStorage.getItem("sessions") || "[]").filter(s => typeof s === "string");
function remember(id) {
  sessionId = id;
  sessions = [id, ...sessions.filter(s => s !== id)].slice(0, 20);
  localStorage.setItem("sessionId", id);
  localStorage.setItem("sessions", JSON.stringify(sessions));
}
remember(sessionId);
let token = sessionStorage.getItem("staffToken") || "";

function headers(extra = {}, session = sessionId) {
  const h = { "X-Session-Id": session, ...extra };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

// What the page knows about the knowledge files (titles, urgency) and the refusal messages by rule.
const labels = fetch("/api/page/labels").then(r => (r.ok ? r.json() : null)).catch(() => null)
  .then(d => d || { documents: {}, refusals: [] });

// ---- markdown: markdown-it with raw HTML off, then DOMPurify to an allow-list, into a fragment ------------
const TAGS = ["p", "br", "strong", "em", "ul", "ol", "li", "code", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5",
  "h6", "table", "thead", "tbody", "tr", "th", "td", "hr", "a", "del", "s"];
let md = null;
function renderInto(el, text) {
  if (!md && window.markdownit) md = window.markdownit({ html: false, linkify: false, typographer: false, breaks: true });
  if (!md || !window.DOMPurify) { el.textContent = text; return; } // never inserted as HTML unsanitised
  const frag = window.DOMPurify.sanitize(md.render(text), {
    ALLOWED_TAGS: TAGS, ALLOWED_ATTR: ["href", "title"], RETURN_DOM_FRAGMENT: true,
  });
  for (const table of frag.querySelectorAll("table")) {
    const wrap = document.createElement("div");
    Object.assign(wrap, { className: "table-wrap", tabIndex: 0 });
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", t("table"));
    table.replaceWith(wrap);
    wrap.appendChild(table);
  }
  for (const a of frag.querySelectorAll("a")) a.rel = "noopener noreferrer";
  el.replaceChildren(frag);
}

// ---- messages -----------------------------------------------------------------------------------------------
function addUser(text) {
  const div = document.createElement("div");
  div.className = "msg me";
  const who = document.createElement("span");
  who.className = "sr-only";
  who.textContent = t("you") + ": ";
  div.append(who, text);
  log.appendChild(div);
  return div;
}

function addBot() {
  const div = document.createElement("article");
  div.className = "msg bot";
  div.setAttribute("aria-label", t("answer"));
  div.setAttribute("aria-busy", "true");
  const body = document.createElement("div");
  body.className = "md";
  body.textContent = "…";
  div.appendChild(body);
  log.appendChild(div);
  div.scrollIntoView({ block: "nearest" });
  return div;
}

function chipFor(source, docs, answerLang) {
  const [, rel] = source.match(/^knowledge\/(.+\.md)$/) || [];
  if (!rel) return null;
  const a = document.createElement("a");
  a.className = "chip";
  a.href = "/knowledge/" + rel.split("/").map(encodeURIComponent).join("/") + (answerLang === "bn" ? "?lang=bn" : "");
  const known = docs[source];
  a.textContent = known ? known.title[answerLang] || known.title.en : rel.split("/").pop().replace(/\.md$/, "").replace(/_/g, " ");
  a.title = source;
  return a;
}

function refusalRule(message, refusals) {
  for (const r of refusals) {
    for (const text of Object.values(r.message)) {
      const parts = text.split("{permission}").map(s => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      const m = message.trim().match(new RegExp("^" + parts.join("(.+?)") + "$", "s"));
      if (m) return { rule: r.rule, permission: (m[1] || "").replace(/`/g, ""), doc: r.policy_document };
    }
  }
  return { rule: "policy", permission: "", doc: null };
}

// Dresses a finished answer: its kind (refusal, clarification, urgent), sources, meta line and feedback.
async function finish(bot, d, answerLang, session) {
  const { documents: docs, refusals } = await labels;
  const body = bot.querySelector(".md");
  renderInto(body, d.message);
  body.dataset.raw = d.message;
  bot.setAttribute("aria-busy", "false");
  Object.assign(bot.dataset, { agent: d.agent || "", domain: d.domain || "", vertical: d.vertical || "" });
  if (d.message_id) bot.dataset.messageId = d.message_id;
  const sources = d.sources || [];
  const urgent = !d.refusal && d.agent === "support_graph" && sources.some(s => docs[s] && docs[s].urgent);
  const clarify = !d.refusal && (d.agent === "clarification_agent" || (d.confidence ?? 1) < 0.5);
  const kind = d.refusal ? "refusal" : urgent ? "urgent" : clarify ? "clarify" : "";
  bot.className = "msg bot" + (kind ? " " + kind : "");
  const saved = lang;
  lang = answerLang;
  if (kind) {
    const badge = document.createElement("div");
    badge.className = "badge";
    badge.textContent = t(kind === "refusal" ? "policy" : kind);
    bot.insertBefore(badge, body);
  }
  const chips = [];
  let why = null;
  if (d.refusal) {
    const found = refusalRule(d.message, refusals);
    bot.dataset.rule = found.rule;
    const reason = document.createElement("p");
    reason.className = "reason";
    reason.textContent = fill(pick(REASONS[found.rule] || REASONS.policy), { permission: found.permission });
    bot.insertBefore(reason, body);
    if (found.doc) why = chipFor(found.doc, docs, answerLang);
  }
  for (const s of sources) { const c = chipFor(s, docs, answerLang); if (c) chips.push(c); }
  if (sources.some(s => s.startsWith("tool:"))) {
    const rec = document.createElement("span");
    rec.className = "chip records";
    rec.textContent = t("records");
    rec.title = sources.filter(s => s.startsWith("tool:")).map(s => s.slice(5)).join(", ");
    chips.push(rec);
  }
  if (chips.length || why) {
    const box = document.createElement("div");
    box.className = "sources";
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = chips.length ? t("sources") : t("policyDoc");
    box.append(label, ...(chips.length ? chips : [why]));
    bot.appendChild(box);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  const parts = [pick(AGENTS[d.agent] || [d.agent || "", d.agent || ""])];
  if (!d.refusal) {
    if (d.domain && DOMAINS[d.domain]) parts.push(pick(DOMAINS[d.domain]));
    if (d.vertical && VERTICALS[d.vertical]) parts.push(pick(VERTICALS[d.vertical]));
  }
  meta.textContent = parts.filter(Boolean).join(" · ");
  bot.appendChild(meta);
  if (d.message_id) bot.appendChild(feedbackFor(d.message_id, session));
  lang = saved;
}

// A thumb drawn as SVG (an emoji needs a colour-emoji font the machine may not have).
const THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
  "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
function thumbIcon(down) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "18");
  svg.setAttribute("height", "18");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", THUMB);
  path.setAttribute("fill", "currentColor");
  if (down) path.setAttribute("transform", "rotate(180 12 12)");
  svg.appendChild(path);
  return svg;
}

function feedbackFor(messageId, session) {
  const box = document.createElement("div");
  box.className = "fb";
  const status = document.createElement("span");
  status.className = "status";
  status.setAttribute("role", "status");
  const form = document.createElement("form");
  form.hidden = true;
  const id = "c-" + messageId;
  const label = document.createElement("label");
  label.className = "sr-only";
  label.htmlFor = id;
  label.textContent = t("comment");
  const input = Object.assign(document.createElement("input"), { id, type: "text", maxLength: 2000, placeholder: t("comment") });
  const go = Object.assign(document.createElement("button"), { type: "submit", textContent: t("sendComment") });
  form.append(label, input, go);
  let rating = 0;
  const send = async comment => {
    const bodyJson = { message_id: messageId, rating, session_id: session };
    if (comment) bodyJson.feedback = comment;
    try {
      const r = await fetch("/api/feedback", {
        method: "POST", headers: headers({ "Content-Type": "application/json" }, session), body: JSON.stringify(bodyJson),
      });
      status.textContent = r.ok ? t("thanks") : t("feedbackFailed");
      box.dataset.saved = r.ok ? String(rating) : "";
    } catch { status.textContent = t("feedbackFailed"); }
  };
  const thumbs = [[5, false, "helpful"], [1, true, "notHelpful"]].map(([value, down, key]) => {
    const b = Object.assign(document.createElement("button"), { type: "button" });
    b.appendChild(thumbIcon(down));
    b.className = "thumb";
    b.dataset.rating = String(value);
    b.setAttribute("aria-label", t(key));
    b.title = t(key);
    b.setAttribute("aria-pressed", "false");
    b.onclick = () => {
      rating = value;
      for (const other of box.querySelectorAll("button.thumb")) other.setAttribute("aria-pressed", String(other === b));
      form.hidden = false;
      send(input.value.trim());
    };
    return b;
  });
  form.onsubmit = e => { e.preventDefault(); if (rating) send(input.value.trim()); };
  box.append(...thumbs, status, form);
  return box;
}

function fail(bot, message, code) {
  bot.className = "msg bot error refusal";
  bot.setAttribute("aria-busy", "false");
  const badge = document.createElement("div");
  badge.className = "badge";
  badge.textContent = t("error");
  const body = document.createElement("div");
  body.className = "md";
  body.textContent = message;
  bot.replaceChildren(badge, body);
  if (code) {
    const m = document.createElement("div");
    m.className = "meta";
    const c = document.createElement("code");
    c.textContent = code;
    m.appendChild(c);
    bot.appendChild(m);
  }
}

// One SSE event block ("event: x" / "data: {...}" lines) of POST /api/chat/stream.
function parseEvent(block) {
  let type = "message", data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data += line.slice(5).trimStart();
  }
  return data ? { type, data: JSON.parse(data) } : null;
}

async function send(text) {
  const answerLang = lang, session = sessionId;
  addUser(text);
  const bot = addBot();
  const body = bot.querySelector(".md");
  const request = { session_id: session, user_message: text, channel: "web", language: answerLang };
  try {
    const r = await fetch("/api/chat/stream", {
      method: "POST", headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }, session),
      body: JSON.stringify(request),
    });
    if (!r.ok) { const d = await r.json().catch(() => ({})); fail(bot, d.message || t("wrong"), d.error_code); return; }
    const reader = r.body.getReader(), decoder = new TextDecoder();
    let buf = "", shown = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf = (buf + decoder.decode(value, { stream: true })).replace(/\r\n/g, "\n");
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const ev = parseEvent(buf.slice(0, cut));
        buf = buf.slice(cut + 2);
        if (!ev) continue;
        if (ev.type === "token") { shown += ev.data.text; renderInto(body, shown); }
        else if (ev.type === "done") { await finish(bot, ev.data, answerLang, session); bot.scrollIntoView({ block: "nearest" }); }
        else if (ev.type === "error") fail(bot, ev.data.message || t("wrong"), ev.data.error_code);
      }
    }
  } catch (e) { fail(bot, t("notReachable")); }
  refreshConversations();
}

// ---- conversations ------------------------------------------------------------------------------------------
async function listConversations() {
  if (token) {
    const r = await fetch("/api/conversations?limit=20", { headers: headers() });
    return r.ok ? (await r.json()).data : [];
  }
  // An anonymous visitor owns one conversation per session id: ask for each session this browser used.
  const found = await Promise.all(sessions.slice(0, 10).map(async s => {
    const r = await fetch("/api/conversations?limit=1", { headers: headers({}, s) }).catch(() => null);
    return r && r.ok ? (await r.json()).data[0] : null;
  }));
  return found.filter(Boolean).sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
}

let refreshes = 0;
function markCurrent() {
  for (const b of document.querySelectorAll("#conv-list button")) {
    if (b.dataset.session === sessionId) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
}
async function refreshConversations() {
  const mine = ++refreshes;
  let items = [];
  try { items = await listConversations(); } catch { items = []; }
  if (mine !== refreshes) return; // a later refresh is on its way
  const list = $("conv-list");
  list.replaceChildren(...items.map(c => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.conversation = c.id;
    b.dataset.session = c.session_id;
    if (c.session_id === sessionId) b.setAttribute("aria-current", "true");
    b.append(c.title || t("untitled"));
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = new Date(c.updated_at).toLocaleString(lang === "bn" ? "bn-BD" : "en-GB",
      { dateStyle: "medium", timeStyle: "short" });
    b.appendChild(when);
    b.onclick = () => openConversation(c);
    li.appendChild(b);
    return li;
  }));
  $("conv-empty").hidden = items.length > 0;
}

async function openConversation(c) {
  const r = await fetch(`/api/conversations/${encodeURIComponent(c.id)}`, { headers: headers({}, c.session_id) });
  if (!r.ok) return;
  const conv = await r.json();
  remember(conv.session_id);
  markCurrent();
  log.replaceChildren();
  for (const m of conv.messages) {
    if (m.role === "user") addUser(m.content);
    else {
      const answerLang = /[\u0980-\u09ff]/.test(m.content) ? "bn" : "en";
      await finish(addBot(), { ...m, message: m.content, message_id: m.id }, answerLang, conv.session_id);
    }
  }
  refreshConversations();
  q.focus();
}

function newConversation() {
  remember(uuid());
  markCurrent();
  log.replaceChildren();
  refreshConversations();
  q.focus();
}

// ---- staff sign-in -------------------------------------------------------------------------------------------
function claimsOf(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part + "=".repeat((4 - (part.length % 4)) % 4)), ch => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch { return {}; }
}
function showWho() {
  const c = token ? claimsOf(token) : null;
  $("who").textContent = c ? fill(t("signedInAs"), { sub: c.sub ?? "?", tenant: c.tenant ?? "–" }) : "";
  $("signout").hidden = !token;
}
async function signIn() {
  const candidate = $("token").value.trim().replace(/^Bearer\s+/i, "");
  const status = $("signin-status");
  if (!candidate) { status.textContent = t("tokenEmpty"); return; }
  const r = await fetch("/api/conversations?limit=1", { headers: { Authorization: `Bearer ${candidate}` } }).catch(() => null);
  if (!r || !r.ok) { status.textContent = t("tokenInvalid"); return; }
  token = candidate;
  sessionStorage.setItem("staffToken", token);
  $("token").value = "";
  showWho();
  status.textContent = "";
  $("signin").hidden = true;
  $("signin-toggle").setAttribute("aria-expanded", "false");
  newConversation();
}
function signOut() {
  token = "";
  sessionStorage.removeItem("staffToken");
  showWho();
  $("signin-status").textContent = t("signedOut");
  newConversation();
}
function toggleSignIn(open) {
  const panel = $("signin"), button = $("signin-toggle");
  panel.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
  (open ? $("token") : button).focus();
}

// ---- language --------------------------------------------------------------------------------------------------
function applyLanguage(next) {
  lang = next === "bn" ? "bn" : "en";
  langSel.value = lang;
  localStorage.setItem("lang", lang);
  document.documentElement.lang = lang;
  document.title = t("docTitle");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  q.placeholder = t("placeholder");
  log.setAttribute("aria-label", t("log"));
  $("chips").setAttribute("aria-label", t("examples"));
  $("chips").replaceChildren(...EXAMPLES[lang].map(ex => {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: ex });
    b.onclick = () => send(ex);
    return b;
  }));
  showWho();
  refreshConversations();
}

// ---- wiring ------------------------------------------------------------------------------------------------------
$("f").addEventListener("submit", e => {
  e.preventDefault();
  const text = q.value.trim();
  if (text) { q.value = ""; send(text); }
});
langSel.addEventListener("change", () => applyLanguage(langSel.value));
$("new-conv").addEventListener("click", newConversation);
$("signin-toggle").addEventListener("click", () => toggleSignIn($("signin").hidden));
$("signin-go").addEventListener("click", signIn);
$("signout").addEventListener("click", signOut);
$("token").addEventListener("keydown", e => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); signIn(); } });
document.addEventListener("keydown", e => { if (e.key === "Escape" && !$("signin").hidden) toggleSignIn(false); });
if (window.matchMedia("(min-width: 761px)").matches) $("convs").open = true;

// A link such as /?q=...&lang=bn opens the assistant with that question asked.
const params = new URLSearchParams(location.search);
applyLanguage(params.get("lang") || localStorage.getItem("lang") || "en");
if (params.get("q")) send(params.get("q"));
