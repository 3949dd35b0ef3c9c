// Web chat page: talks to Rasa's REST channel through the console's /chat/api relay.
// User and bot texts are added with text nodes only (never innerHTML).
(function () {
  "use strict";

  var SENDER_KEY = "chat.sender";
  var OFFLINE_TEXT = "Xin lỗi, không gửi được tin nhắn. Anh/chị vui lòng thử lại sau " +
    "hoặc gọi Tổng đài dịch vụ công của thành phố 1022.";
  var URL_RE = /https?:\/\/[^\s<>"']+/g;

  var messages = document.getElementById("messages");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var sendButton = document.getElementById("chat-send");
  var typing = document.getElementById("typing");

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) { return "web-" + window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function senderId() {
    var id = null;
    try { id = window.sessionStorage.getItem(SENDER_KEY); } catch (e) { id = null; }
    if (!id) {
      id = randomId();
      try { window.sessionStorage.setItem(SENDER_KEY, id); } catch (e) { /* private mode */ }
    }
    return id;
  }

  var sender = senderId();

  // Text with http(s) links made clickable; everything else stays plain text.
  function linkified(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    text.replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = document.createElement("a");
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = url;
      fragment.appendChild(link);
      last = offset + url.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function addMessage(who, text) {
    var box = document.createElement("div");
    box.className = "msg " + who;
    if (text) {
      var p = document.createElement("p");
      p.appendChild(who === "bot" ? linkified(text) : document.createTextNode(text));
      box.appendChild(p);
    }
    messages.appendChild(box);
    messages.scrollTop = messages.scrollHeight;
    return box;
  }

  function addButtons(box, buttons) {
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title || b.payload;
      button.addEventListener("click", function () {
        Array.prototype.forEach.call(row.querySelectorAll("button"), function (x) { x.disabled = true; });
        send(b.payload || b.title, b.title || b.payload);
      });
      row.appendChild(button);
    });
    box.appendChild(row);
  }

  function addImage(box, url) {
    if (!/^https?:\/\//i.test(url)) { return; }
    var img = document.createElement("img");
    img.src = url;
    img.alt = "";
    img.loading = "lazy";
    box.appendChild(img);
  }

  function showReplies(replies) {
    replies.forEach(function (reply) {
      var box = addMessage("bot", typeof reply.text === "string" ? reply.text : "");
      if (typeof reply.image === "string") { addImage(box, reply.image); }
      if (Array.isArray(reply.buttons) && reply.buttons.length) { addButtons(box, reply.buttons); }
    });
    messages.scrollTop = messages.scrollHeight;
  }

  async function send(message, shown) {
    addMessage("user", shown || message);
    typing.hidden = false;
    sendButton.disabled = true;
    try {
      var response = await fetch("/chat/api", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ sender: sender, message: message })
      });
      var data = await response.json();
      if (Array.isArray(data)) { showReplies(data); }
      else { addMessage("bot", (data && data.message) || OFFLINE_TEXT); }
    } catch (e) {
      addMessage("bot", OFFLINE_TEXT);
    } finally {
      typing.hidden = true;
      sendButton.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });

  input.focus();
})();
