/* Wide tables at a tablet's width (768 px): a table wider than the page scrolls inside its own
   region instead of making the whole page wider. The region can be reached with the keyboard (and
   scrolled with the arrow keys), is named after the table's caption, and says above it that it
   scrolls sideways. Tables that fit are left as they are. Without JavaScript the stylesheet still
   keeps a table inside a .table-scroll wrapper from widening the page. */
(function () {
  'use strict';

  var main = document.getElementById('main');
  if (!main) {
    return;
  }
  var cueText = main.getAttribute('data-msg-table-scroll') || '';

  function wrapperOf(table) {
    var parent = table.parentElement;
    if (parent && parent.classList.contains('table-scroll')) {
      return parent;
    }
    var wrapper = document.createElement('div');
    wrapper.className = 'table-scroll';
    parent.insertBefore(wrapper, table);
    wrapper.appendChild(table);
    return wrapper;
  }

  function update(wrapper) {
    var table = wrapper.querySelector('table');
    var overflows = wrapper.scrollWidth > wrapper.clientWidth + 1;
    var cue = wrapper.previousElementSibling;
    var hasCue = cue && cue.classList.contains('table-scroll__cue');
    wrapper.classList.toggle('table-scroll--overflow', overflows);
    if (overflows) {
      wrapper.setAttribute('tabindex', '0');
      wrapper.setAttribute('role', 'region');
      if (!wrapper.hasAttribute('aria-labelledby') && !wrapper.hasAttribute('aria-label')) {
        var caption = table ? table.querySelector('caption') : null;
        wrapper.setAttribute('aria-label', (caption && caption.textContent.trim()) || cueText);
        wrapper.setAttribute('data-named-here', 'true');
      }
      if (!hasCue && cueText) {
        var text = document.createElement('p');
        text.className = 'table-scroll__cue';
        text.setAttribute('aria-hidden', 'true');  // the region's own name and role say it to screen readers
        text.textContent = cueText;
        wrapper.parentElement.insertBefore(text, wrapper);
      }
    } else {
      if (wrapper.getAttribute('data-named-here') === 'true') {
        wrapper.removeAttribute('aria-label');
        wrapper.removeAttribute('data-named-here');
      }
      if (!wrapper.hasAttribute('aria-labelledby')) {
        wrapper.removeAttribute('tabindex');
        wrapper.removeAttribute('role');
      }
      if (hasCue) {
        cue.remove();
      }
    }
  }

  // Only a table that is wider than its place gets a wrapper; the others keep their markup.
  function updateAll() {
    Array.prototype.forEach.call(main.querySelectorAll('table'), function (table) {
      var parent = table.parentElement;
      var wrapped = parent && parent.classList.contains('table-scroll');
      if (wrapped || table.offsetWidth > parent.clientWidth + 1) {
        update(wrapperOf(table));
      }
    });
  }

  updateAll();
  var pending = null;
  window.addEventListener('resize', function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(updateAll, 100);
  });
  // Tables swapped in later (htmx) too.
  document.body.addEventListener('htmx:afterSettle', updateAll);
}());
