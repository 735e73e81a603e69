// MathJax 3, vendored from npm, loaded only by pages that hold maths (it is about 1 MB):
// $...$ and \(...\) in the notebooks' text, and what pymdownx.arithmatex marks on other pages.
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore",
    processHtmlClass: "tex2jax_process|arithmatex|jp-RenderedMarkdown|jp-MarkdownOutput",
  },
};

(() => {
  const script = new URL("../vendor/mathjax/tex-chtml.js", document.currentScript.src).href;
  function hasMaths() {
    if (document.querySelector(".arithmatex")) return true;
    for (const cell of document.querySelectorAll(".jp-RenderedMarkdown, .jp-MarkdownOutput")) {
      if (/\$[^$\s]|\\\(|\\\[/.test(cell.textContent)) return true;
    }
    return false;
  }
  function load() {
    if (!hasMaths()) return;
    const tag = document.createElement("script");
    tag.src = script;
    tag.async = true;
    document.head.append(tag);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
