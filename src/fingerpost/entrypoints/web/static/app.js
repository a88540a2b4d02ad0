// Progressive enhancement only: every page works without this script.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

// An upload's progress page refreshes itself while the file is checked or registered.
const bar = document.querySelector("[data-progress-url]");
if (bar) {
  const poll = async () => {
    const answer = await fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const { stage, percent } = await answer.json();
    bar.value = percent;
    bar.textContent = `${percent}%`;
    if (stage !== bar.dataset.stage) {
      window.location.reload();
    } else {
      window.setTimeout(poll, 1000);
    }
  };
  window.setTimeout(poll, 1000);
}
