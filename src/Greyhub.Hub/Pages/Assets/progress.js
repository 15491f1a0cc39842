// The progress page (Servers/SpawnPendingPage.razor): follows the server's progress stream (server-sent events, as
// JupyterHub's page does), goes to the server when it is ready, and shows a failed start as a failure with its cause.
// Messages are set as text, never as HTML.
(function () {
  "use strict";
  var root = document.getElementById("spawn-progress");
  if (!root || !root.dataset.progressUrl) {
    return;
  }
  var bar = document.getElementById("progress-bar");
  var heading = document.getElementById("progress-heading");
  var status = document.getElementById("progress-status");
  var message = document.getElementById("progress-message");
  var log = document.getElementById("progress-log");
  var source = new EventSource(root.dataset.progressUrl);
  var finished = false;

  function logTail(htmlMessage) {
    // The failed event's html_message carries the server's last lines in <pre class="log">: read its text only.
    if (!htmlMessage) {
      return "";
    }
    var doc = new DOMParser().parseFromString(htmlMessage, "text/html");
    var pre = doc.querySelector("pre");
    return pre ? pre.textContent : "";
  }

  function fail(event) {
    finished = true;
    bar.value = 100;
    bar.classList.add("failed");
    heading.textContent = root.dataset.failedHeading;
    // The failure block says it all; the last progress line would only repeat it.
    message.hidden = true;
    status.textContent = "The start failed; the cause is below.";
    document.getElementById("spawn-error").textContent = (event.message || "").replace(/^Spawn failed: /, "");
    var tail = logTail(event.html_message);
    if (tail) {
      document.getElementById("spawn-log").textContent = tail;
      document.getElementById("spawn-log-block").hidden = false;
    }
    document.getElementById("spawn-failure").hidden = false;
    document.getElementById("retry").focus();
  }

  source.onmessage = function (m) {
    var event;
    try {
      event = JSON.parse(m.data);
    } catch (e) {
      return;
    }
    if (typeof event.progress === "number") {
      bar.value = event.progress;
    }
    if (event.message) {
      message.textContent = event.message;
      var item = document.createElement("li");
      item.textContent = event.message;
      log.appendChild(item);
    }
    if (event.ready) {
      finished = true;
      source.close();
      status.textContent = "Your server is ready; opening it.";
      window.location.href = root.dataset.next;
    } else if (event.failed) {
      source.close();
      fail(event);
    }
  };

  source.onerror = function () {
    // The stream closed without a last word (the hub restarted, the start ended meanwhile): the page asks the hub again.
    if (!finished && source.readyState === EventSource.CLOSED) {
      window.location.reload();
    }
  };
})();
