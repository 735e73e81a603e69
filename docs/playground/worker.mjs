// The playground's engine: Pyodide (Python compiled to WebAssembly) in a module Web Worker,
// with micrograd's wheel and grandalf's, both served next to this file. Each message from
// the page (engine.js) is one API call, answered by bridge.py exactly as the local server
// would answer it: a status code and a JSON body. Calls run one after another.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const here = (path) => new URL(path, import.meta.url).href;
const progress = (text) => postMessage({ kind: "progress", text });

async function start() {
  progress("Starting Python (WebAssembly)…");
  const pyodide = await loadPyodide({ indexURL: here("../pyodide/") });
  progress("Installing micrograd…");
  const wheels = await (await fetch(here("wheels/index.json"))).json();
  await pyodide.loadPackage(
    wheels.map((name) => here(`wheels/${name}`)),
    { messageCallback: () => {}, errorCallback: (text) => console.warn(text) },
  );
  const bridge = await (await fetch(here("bridge.py"))).text();
  pyodide.runPython(bridge);
  const handle = pyodide.globals.get("handle");
  const python = pyodide.runPython("import sys; '.'.join(map(str, sys.version_info[:3]))");
  postMessage({ kind: "ready", python, pyodide: pyodide.version });
  return handle;
}

const engine = start();
engine.catch((error) => postMessage({ kind: "failed", error: String(error.message || error) }));

self.addEventListener("message", async (event) => {
  const { id, path, body } = event.data;
  let handle;
  try {
    handle = await engine;
  } catch {
    return; // the page already says the engine did not load
  }
  try {
    const answer = handle(path, body);
    const space = answer.indexOf(" ");
    postMessage({ kind: "answer", id, status: Number(answer.slice(0, space)), body: answer.slice(space + 1) });
  } catch (error) {
    // Python itself failed (out of memory, a bug below our code): an answer, not a hang.
    const text = `the engine failed: ${String(error.message || error).split("\n").slice(-2).join(" ")}`;
    postMessage({ kind: "answer", id, status: 500, body: JSON.stringify({ error: text }) });
  }
});
