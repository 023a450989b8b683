const start = Date.now();
const year = new Date().getFullYear();
footer.textContent = `© ${year} Example`;
if (Date.now() - start > 5000) { showSpinner(); }
if (book.year > 2000) { modern(); }
const ts = new Date(2024, 0, 1).toISOString();
