// Photo pages: small enhancements; every page works without them (no inline script: CSP).

// On a phone the file input opens the camera (capture="environment"); this button lets the
// user pick a picture already taken instead. Only offered where there is a touch screen.
function setupFromFiles(slot) {
  if (!window.matchMedia("(pointer: coarse)").matches) return;
  const input = document.getElementById(slot.dataset.photoFromFiles);
  if (!input) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link small";
  // The words come translated from the page (data-label); English if the page has none.
  button.textContent = slot.dataset.label || "Choose a saved picture instead of the camera";
  button.addEventListener("click", () => {
    input.removeAttribute("capture");
    button.remove();
    input.click();
  });
  slot.append(button);
}

// Large images keep their aspect ratio and shrink to the column on narrow screens.
function makeFluid(img) {
  img.style.maxWidth = "100%";
  img.style.height = "auto";
}

// The overlay: the "after" image over the "before" one, shown from the slider's position to
// the right edge. Built from the side-by-side images, so nothing is fetched twice.
function setupOverlay(section) {
  const pair = document.querySelectorAll("#side-by-side img");
  const stage = section.querySelector("[data-overlay-stage]");
  const slider = section.querySelector("[data-overlay-slider]");
  if (pair.length !== 2 || !stage || !slider) return;
  const base = pair[0].cloneNode();
  const top = pair[1].cloneNode();
  for (const img of [base, top]) img.removeAttribute("data-fluid");
  top.width = base.width;
  top.height = base.height;
  base.alt = `${stage.dataset.labelBefore || "Overlay, before"}: ${pair[0].alt}`;
  top.alt = `${stage.dataset.labelAfter || "Overlay, after"}: ${pair[1].alt}`;
  const divider = document.createElement("div");
  divider.setAttribute("aria-hidden", "true");
  Object.assign(stage.style, { position: "relative", display: "inline-block", maxWidth: "100%", lineHeight: "0" });
  Object.assign(base.style, { display: "block", maxWidth: "100%", height: "auto" });
  Object.assign(top.style, { position: "absolute", inset: "0", width: "100%", height: "100%", objectFit: "contain" });
  Object.assign(divider.style, { position: "absolute", top: "0", bottom: "0", width: "2px", background: "#fff", boxShadow: "0 0 0 1px rgba(0,0,0,.35)" });
  stage.append(base, top, divider);
  Object.assign(slider.style, { display: "block", width: "100%", maxWidth: `${base.width}px` });
  const update = () => {
    const at = Number(slider.value);
    top.style.clipPath = `inset(0 0 0 ${at}%)`;
    divider.style.left = `calc(${at}% - 1px)`;
    slider.setAttribute("aria-valuetext", `before up to ${at}%, after from there`);
  };
  slider.addEventListener("input", update);
  update();
  section.hidden = false;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-photo-from-files]").forEach(setupFromFiles);
  document.querySelectorAll("img[data-fluid]").forEach(makeFluid);
  document.querySelectorAll("[data-photo-overlay]").forEach(setupOverlay);
});
