// The test e-ID device page: reload when the set of pending orders changes,
// unless the developer has started filling in a form (then say so instead).
const status = document.getElementById('status');
let version = null;
let told = false;

function busy() {
  const a = document.activeElement;
  if (a && a.matches('input[type="text"]')) return true;
  return [...document.querySelectorAll('input[name="other"]')].some((i) => i.value !== '');
}

async function poll() {
  try {
    const res = await fetch('/eid/test/pending', { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok) return;
    const body = await res.json();
    if (version !== null && body.version !== version) {
      if (!busy()) {
        const u = new URL(location.href);
        u.searchParams.delete('m');
        location.replace(u);
        return;
      }
      if (!told) {
        told = true;
        const p = document.createElement('p');
        p.className = 'notice';
        p.textContent = 'Beställningarna har ändrats: uppdatera listan. (The orders have changed: refresh the list.)';
        status.replaceChildren(p);
      }
    }
    version = body.version;
  } catch {
    // The server may be restarting; try again on the next tick.
  }
}

poll();
setInterval(poll, 2000);
