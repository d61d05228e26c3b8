// Live view of one interview for staff: the transcript so far, then each turn as it finishes.
// The socket path comes from the page (data-socket-path); CSP allows no inline script.
(() => {
  const transcript = document.getElementById("transcript");
  const status = document.getElementById("status");
  const shown = new Set();

  function addTurn(message) {
    if (shown.has(message.turn)) return;
    shown.add(message.turn);
    const block = document.createElement("div");
    block.className = `turn ${message.speaker}`;
    block.dataset.turn = message.turn;
    const who = document.createElement("strong");
    who.textContent = message.speaker === "interviewer" ? "Interviewer: " : "Candidate: ";
    block.append(who, document.createTextNode(message.content));
    if (message.assessment) {
      const a = message.assessment;
      const note = document.createElement("div");
      note.className = `assessment label-${a.label}`;
      note.textContent = `${a.label} · ${a.score}/100 · ${a.words} words · ${a.details} concrete details` +
        (a.rubric_terms.length ? ` · rubric terms: ${a.rubric_terms.join(", ")}` : "");
      block.append(note);
    }
    const after = [...transcript.children].find((el) => Number(el.dataset.turn) > message.turn);
    transcript.insertBefore(block, after || null);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${transcript.dataset.socketPath}`);
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "snapshot") {
        status.textContent = message.interview.status;
        message.turns.forEach(addTurn);
      } else if (message.type === "turn") {
        addTurn(message);
      } else if (message.type === "ended") {
        status.textContent = `ended (${message.reason})`;
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) { status.textContent = "not allowed"; return; }
      setTimeout(connect, 2000);
    });
  }
  connect();
})();
