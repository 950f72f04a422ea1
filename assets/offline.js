/* Sala: "save this course for offline" (optional: every page works without it).
   Registers the service worker, saves a course's pages and pictures on request, shows
   what is saved and what is waiting to be sent, and asks the worker to send waiting
   progress when the connection returns. Plain ES5 for old Android WebViews. */
(function () {
  var box = document.getElementById('offline');
  if (!box || !('serviceWorker' in navigator) || !window.caches || !window.fetch) return;
  var slug = box.getAttribute('data-course');
  var text = JSON.parse(box.getAttribute('data-text'));
  var cacheName = 'sala-course-' + slug;
  /* The worker is installed only when someone saves a course: other readers on a slow
     link never download it. */
  function install() { return navigator.serviceWorker.register('/sw.js'); }

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = text.save;
  var status = document.createElement('p');
  status.setAttribute('role', 'status');
  box.appendChild(button);
  box.appendChild(status);

  function say(message) { status.textContent = message; }

  function show() {
    caches.open(cacheName).then(function (cache) { return cache.keys(); }).then(function (keys) {
      var line = keys.length ? text.saved.replace('{n}', keys.length) : '';
      ask('count').then(function (waiting) {
        if (waiting > 0) line += ' ' + text.waiting.replace('{n}', waiting);
        say(line);
      });
    });
  }

  /* A question to the service worker, answered through a message channel. */
  function ask(question) {
    return new Promise(function (resolve) {
      var worker = navigator.serviceWorker.controller;
      if (!worker || !window.MessageChannel) return resolve(0);
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data || 0); };
      worker.postMessage(question, [channel.port2]);
    });
  }

  button.onclick = function () {
    say(text.saving);
    install().then(function () { return navigator.serviceWorker.ready; }).then(function () {
      return fetch('/courses/' + slug + '/offline.json', { credentials: 'same-origin' })
      .then(function (response) { return response.json(); })
      .then(function (list) {
        /* Marked (?saving), so that saving a page is not counted as opening it; the worker
           finds saved pages whatever their query. */
        var requests = list.urls.map(function (url) {
          return url.indexOf('/courses/') === 0 ? url + '?saving=1' : url;
        });
        return caches.open(cacheName).then(function (cache) { return cache.addAll(requests); });
      });
    }).then(show, function () { say(text.failed); });
  };

  /* Each "I have read this chapter" gets its own id, so it is sent exactly once. */
  var forms = document.querySelectorAll('form.done');
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', function (event) {
      var op = event.target.querySelector('input[name=op]');
      if (op && !op.value) op.value = Date.now().toString(36) + Math.random().toString(36).slice(2);
    });
  }

  function flush() { ask('flush').then(show); }
  window.addEventListener('online', flush);
  navigator.serviceWorker.getRegistration().then(function (registration) {
    if (registration) navigator.serviceWorker.ready.then(flush);
  });
  show();
})();
