// The invite link page in admin: select the link on click, copy it with the button.
(() => {
  const field = document.getElementById("invite-url");
  const button = document.getElementById("copy-invite");
  const status = document.getElementById("copy-status");
  if (!field || !button) return;
  field.addEventListener("click", () => field.select());
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      field.select();
      status.textContent = "Press Ctrl+C to copy.";
    }
  });
})();
