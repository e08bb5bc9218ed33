// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit")) el.form.submit();
});

// Signature pad: draws on a canvas and stores a PNG data URL in the hidden input.
function setupSignaturePad(canvas) {
  const input = document.getElementById(canvas.dataset.target);
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  let drawing = false; let drawn = false;
  const pos = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; const [x, y] = pos(e); ctx.beginPath(); ctx.moveTo(x, y); canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = pos(e); ctx.lineTo(x, y); ctx.stroke(); drawn = true; });
  const finish = () => { if (drawing && drawn) input.value = canvas.toDataURL("image/png"); drawing = false; };
  canvas.addEventListener("pointerup", finish); canvas.addEventListener("pointerleave", finish);
  const clear = document.querySelector(`[data-clear="${canvas.id}"]`);
  if (clear) clear.addEventListener("click", () => { ctx.clearRect(0, 0, canvas.width, canvas.height); input.value = ""; drawn = false; });
}
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("canvas[data-signature]").forEach(setupSignaturePad));
