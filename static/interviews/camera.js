// The candidate's own camera in a small picture-in-picture, for the candidate only: it is never sent.
import { fill, mediaErrorReason } from "./audio-tools.js";

const CAMERA_CONSTRAINTS = {
  video: { width: { ideal: 320 }, height: { ideal: 240 }, facingMode: "user" },
  audio: false,
};

/** The camera button turns the preview on and off. */
export function bindCamera({ button, status, pip, video, ui }) {
  let stream = null;

  async function toggle() {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
      pip.hidden = true;
      button.setAttribute("aria-pressed", "false");
      button.textContent = ui.camera_on;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS);
    } catch (error) {
      status.textContent = fill(ui.camera_denied, mediaErrorReason(error));
      return;
    }
    status.textContent = "";
    video.srcObject = stream;
    pip.hidden = false;
    button.setAttribute("aria-pressed", "true");
    button.textContent = ui.camera_off;
  }

  button.addEventListener("click", toggle);
}
