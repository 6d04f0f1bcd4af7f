// 数桥: sends the upload form with XMLHttpRequest so a progress bar can follow the file's
// bytes, then goes to the batch's page. Without this script the form posts as it is and the
// server redirects to the same page; the words come from the form's data attributes.
(function () {
  'use strict';

  function bind(form) {
    if (!form || form.getAttribute('data-bound') === '1') return;
    form.setAttribute('data-bound', '1');
    var box = document.getElementById('upload-progress-box');
    var bar = document.getElementById('upload-progress');
    var text = document.getElementById('upload-progress-text');
    var button = form.querySelector('button[type="submit"]');

    function say(words) {
      if (text) text.textContent = words;
    }

    form.addEventListener('submit', function (ev) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      ev.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.getAttribute('action'));
      if (box) box.hidden = false;
      if (bar) {
        bar.value = 0;
        bar.max = 100;
      }
      if (button) button.disabled = true;
      say(form.getAttribute('data-msg-sending'));
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable && bar) {
          bar.value = Math.floor((e.loaded * 100) / e.total);
        }
      });
      xhr.upload.addEventListener('load', function () {
        if (bar) bar.value = 100;
        say(form.getAttribute('data-msg-checking'));
      });
      xhr.addEventListener('load', function () {
        var url = xhr.responseURL || '';
        if (xhr.status >= 200 && xhr.status < 300 && /\/console\/batches\/\d+$/.test(new URL(url, location.href).pathname)) {
          location.assign(url);
          return;
        }
        // Problems with the form (or a refusal): show the page the server answered with.
        var doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
        var main = doc.getElementById('main');
        var here = document.getElementById('main');
        if (main && here) {
          here.replaceWith(document.importNode(main, true));
          document.title = doc.title;
          bind(document.getElementById('upload-form'));
          var summary = document.querySelector('.error-summary');
          if (summary) summary.focus();
        } else {
          if (button) button.disabled = false;
          say(form.getAttribute('data-msg-failed'));
        }
      });
      xhr.addEventListener('error', function () {
        if (button) button.disabled = false;
        say(form.getAttribute('data-msg-failed'));
      });
      xhr.send(new FormData(form));
    });
  }

  function start() {
    bind(document.getElementById('upload-form'));
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
