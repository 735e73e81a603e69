// MathJax 3, vendored from npm: $...$ and \(...\) in the notebooks, \(...\) from arithmatex.
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
  // No menu, no speech: nothing is fetched beyond the fonts next to the script.
  loader: { load: [] },
};
// Material replaces the page's content on navigation: typeset the new content too.
if (window.document$) {
  window.document$.subscribe(() => {
    if (window.MathJax.typesetPromise) window.MathJax.typesetPromise();
  });
}
