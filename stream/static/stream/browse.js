// The home screen and the title page's details, built only from the public API: the home feed
// (GET /api/recommend/home) as rows of posters, and the title answer (GET /api/catalog/<movies|shows>/<id>)
// as a backdrop, the cast with headshots and the extras. Images come in the sizes the API lists (srcset).
(function () {
  "use strict";

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(function ([name, value]) {
      if (value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function getJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.json();
    });
  }

  // The image of `kind` (else the first one), as an <img> choosing its size from the API's list.
  function picture(images, kind, displayWidth, alt, className) {
    const image = (images || []).find(function (i) { return i.kind === kind; }) || (images || [])[0];
    if (!image || !image.sizes || !image.sizes.length) return null;
    const sizes = image.sizes.slice().sort(function (a, b) { return a.width - b.width; });
    const fallback = sizes.find(function (s) { return s.width >= displayWidth; }) || sizes[sizes.length - 1];
    return element("img", {
      src: fallback.url,
      srcset: sizes.map(function (s) { return s.url + " " + s.width + "w"; }).join(", "),
      sizes: displayWidth + "px",
      width: displayWidth,
      height: Math.round(displayWidth * fallback.height / fallback.width),
      alt: alt,
      loading: "lazy",
      class: className || null,
      "data-kind": image.kind,
      "data-placeholder": image.placeholder ? "true" : null,
    });
  }

  function card(item) {
    const title = item.title;
    const link = element("a", {href: "/watch/" + title.id, class: "card", title: title.title}, [
      picture(title.images, "poster", 160, title.title, "poster"),
      element("span", {class: "card-title", text: title.title}),
    ]);
    if (typeof item.progress === "number") {
      const bar = element("span", {class: "progress"}, [element("span", {style: "width:" + Math.round(item.progress * 100) + "%"})]);
      link.appendChild(bar);
    }
    if (item.rank) link.appendChild(element("span", {class: "rank", text: String(item.rank)}));
    return element("li", {}, [link]);
  }

  function homeScreen(root) {
    getJson(root.dataset.homeUrl).then(function (feed) {
      root.textContent = "";
      feed.rows.forEach(function (row) {
        if (!row.items.length) return;
        root.appendChild(element("section", {class: "row", "data-row": row.id}, [
          element("h2", {text: row.title}),
          row.reason ? element("p", {class: "reason", text: row.reason}) : null,
          element("ol", {class: "cards"}, row.items.map(card)),
        ]));
      });
      if (!root.children.length) root.textContent = "Nothing to show yet.";
      root.dataset.ready = "true";
    }).catch(function (error) {
      root.textContent = "The home screen could not be loaded (" + error.message + ").";
      root.dataset.ready = "error";
    });
  }

  function minutes(seconds) { return seconds ? Math.round(seconds / 60) + " min" : ""; }

  function titleDetails(root) {
    getJson(root.dataset.detailUrl).then(function (title) {
      const backdrop = picture(title.images, "backdrop", 1000, "", "backdrop");
      const video = document.getElementById("video");
      if (backdrop && video && !video.getAttribute("poster")) video.setAttribute("poster", backdrop.getAttribute("src"));
      const cast = (title.people || []).filter(function (p) { return p.role === "cast"; }).slice(0, 12);
      const extras = title.extras || [];
      root.replaceChildren(
        backdrop ? element("div", {class: "hero"}, [backdrop]) : element("span"),
        element("p", {class: "facts", text: [title.release_year, minutes(title.runtime_s), (title.genres || []).join(", ")].filter(Boolean).join(" · ")}),
        element("p", {class: "description", text: title.description || ""}),
        cast.length ? element("h2", {text: "Cast"}) : null,
        cast.length ? element("ul", {class: "cast"}, cast.map(function (person) {
          return element("li", {}, [
            picture(person.images, "headshot", 96, person.name, "headshot"),
            element("span", {class: "name", text: person.name}),
            person.character ? element("small", {text: person.character}) : null,
          ]);
        })) : null,
        extras.length ? element("h2", {text: "Trailers and extras"}) : null,
        extras.length ? element("ul", {class: "extras"}, extras.map(function (extra) {
          return element("li", {"data-kind": extra.kind}, [
            element("span", {text: extra.name}),
            element("small", {text: [extra.kind, extra.language, minutes(extra.runtime_s)].filter(Boolean).join(" · ")}),
          ]);
        })) : null,
      );
      root.dataset.ready = "true";
    }).catch(function (error) {
      root.textContent = "The title's details could not be loaded (" + error.message + ").";
      root.dataset.ready = "error";
    });
  }

  const home = document.getElementById("home");
  if (home) homeScreen(home);
  const details = document.getElementById("title-details");
  if (details) titleDetails(details);
})();
