// The list of live interviews for staff: turn counts and last activity follow the monitor socket.
(() => {
  const connection = document.getElementById("monitor-connection");

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${connection.dataset.socketPath}`);
    socket.addEventListener("open", () => {
      connection.dataset.state = "live";
      connection.textContent = "Live: updates as turns finish.";
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      const row = document.querySelector(`tr[data-interview="${message.interview_id}"]`);
      if (!row) { location.reload(); return; }  // a new interview started: show it
      if (message.type === "turn") {
        row.querySelector(".turns").textContent = String(message.turn + 1);
        row.querySelector(".activity").textContent = `${message.speaker} · ${new Date().toLocaleTimeString()}`;
      } else if (message.type === "ended") {
        row.querySelector(".activity").textContent = `ended (${message.reason})`;
      }
    });
    socket.addEventListener("close", (event) => {
      connection.dataset.state = "offline";
      if (event.code === 4403) { connection.textContent = "Not allowed to follow interviews."; return; }
      connection.textContent = "Reconnecting…";
      setTimeout(connect, 2000);
    });
  }
  connect();
})();
