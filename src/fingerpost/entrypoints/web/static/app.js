// Progressive enhancement only: every page works without this script.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// An upload's progress page refreshes itself while the file is checked or registered.
const bar = document.querySelector("[data-progress-url]");
if (bar) {
  // A busy server may drop or refuse one request: the page keeps asking (more slowly), and
  // reloads when the upload has moved on or is gone, so it never stays on a stale stage.
  const poll = async (wait) => {
    const retry = () => window.setTimeout(() => poll(Math.min(wait * 2, 10000)), wait);
    let answer;
    try {
      answer = await fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } });
    } catch {
      retry();
      return;
    }
    if (answer.status === 404) {
      window.location.reload();
      return;
    }
    if (!answer.ok) {
      retry();
      return;
    }
    const { stage, percent } = await answer.json();
    bar.value = percent;
    bar.textContent = `${percent}%`;
    if (stage !== bar.dataset.stage) {
      window.location.reload();
    } else {
      window.setTimeout(() => poll(1000), 1000);
    }
  };
  window.setTimeout(() => poll(1000), 1000);
}

// "Copy for your notes": copy the text to the clipboard, and print the page. Without a script
// the text can still be selected and copied, and the browser still prints (print.css).
for (const button of document.querySelectorAll("[data-copy]")) {
  const text = document.getElementById(button.dataset.copy);
  const said = document.querySelector("[data-copied]");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text.value);
      if (said) said.textContent = "Copied to the clipboard.";
    } catch {
      text.select();
      if (said) said.textContent = "Select the text and copy it.";
    }
  });
}
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
