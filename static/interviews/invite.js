// Invite page: microphone check with a live level meter, speaker check with a generated tone.
import { MIC_CONSTRAINTS, attachLevelMeter, fill, mediaErrorReason, playTestTone } from "./audio-tools.js";

const ui = JSON.parse(document.getElementById("ui-strings").textContent);
const micButton = document.getElementById("mic-check");
const micMeter = document.getElementById("mic-meter");
const micStatus = document.getElementById("mic-status");
const speakerButton = document.getElementById("speaker-check");
const speakerStatus = document.getElementById("speaker-status");

let micStream = null;
let stopMeter = null;
let heardSomething = false;

function stopMicCheck() {
  if (stopMeter) stopMeter();
  if (micStream) micStream.getTracks().forEach((track) => track.stop());
  stopMeter = null;
  micStream = null;
  micButton.setAttribute("aria-pressed", "false");
}

micButton.addEventListener("click", async () => {
  if (micStream) {
    stopMicCheck();
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    micStatus.textContent = ui.mic_unsupported;
    micStatus.className = "check-status error-text";
    return;
  }
  try {
    micStream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
  } catch (error) {
    micStatus.textContent = fill(ui.mic_denied, mediaErrorReason(error));
    micStatus.className = "check-status error-text";
    return;
  }
  micButton.setAttribute("aria-pressed", "true");
  micStatus.textContent = "";
  heardSomething = false;
  stopMeter = attachLevelMeter(micStream, micMeter, (level) => {
    if (!heardSomething && level > 0.08) {
      heardSomething = true;
      micStatus.textContent = ui.mic_ok;
      micStatus.className = "check-status ok-text";
    }
  });
});

speakerButton.addEventListener("click", async () => {
  speakerButton.disabled = true;
  try {
    await playTestTone();
    speakerStatus.textContent = ui.speaker_done;
    speakerStatus.className = "check-status ok-text";
  } catch (error) {
    speakerStatus.textContent = String(error);
    speakerStatus.className = "check-status error-text";
  } finally {
    speakerButton.disabled = false;
  }
});

// Release the microphone before leaving for the interview page, which opens its own stream.
document.getElementById("consent-form").addEventListener("submit", stopMicCheck);
window.addEventListener("pagehide", stopMicCheck);
