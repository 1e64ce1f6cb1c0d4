// The POS's rooms / areas for the card's pickers (D1, A1, F1/F7). The page never waits on the POS: it is
// drawn with what was last heard, and this script asks the card's small rooms view when nothing was.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("load-rooms");
  if (!button) return;
  var output = document.getElementById("load-rooms-result");
  var form = button.closest("form");

  function checked(name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"),
                                    function (box) { return box.value; });
  }

  function fillCheckboxes(name, rooms) {
    var box = document.getElementById("id_" + name);
    if (!box) return;
    var keep = checked(name);
    var known = {};
    box.textContent = "";
    function add(value, text, index) {
      var row = document.createElement("div");
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox"; input.name = name; input.value = value; input.id = "id_" + name + "_" + index;
      input.checked = keep.indexOf(value) !== -1;
      label.htmlFor = input.id;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + text));
      row.appendChild(label);
      box.appendChild(row);
    }
    rooms.forEach(function (room, index) {
      known[room.id] = true;
      add(room.id, room.name + " (" + room.id + ")" + (room.sellable ? "" : " - not for sale"), index);
    });
    keep.forEach(function (value, index) {
      if (!known[value]) add(value, value + " (not reported by the POS)", rooms.length + index);
    });
  }

  function fillRoomSelect(rooms) {
    var current = form.querySelector("[name=room_id]");
    if (!current) return;
    var value = current.value;
    var select = document.createElement("select");
    select.name = "room_id"; select.id = current.id;
    var options = [["", "Every room"]].concat(rooms.map(function (room) {
      return [room.id, room.name + " (" + room.id + ")"];
    }));
    if (value && !rooms.some(function (room) { return room.id === value; })) {
      options.push([value, value + " (not reported by the POS)"]);
    }
    options.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0]; option.textContent = pair[1]; option.selected = pair[0] === value;
      select.appendChild(option);
    });
    current.replaceWith(select);
  }

  function load(usingForm) {
    output.textContent = "Asking the POS for its rooms...";
    var request = usingForm ? {method: "POST", body: new FormData(form)} : {method: "GET"};
    request.credentials = "same-origin";
    request.headers = {"X-Requested-With": "XMLHttpRequest"};
    fetch(button.dataset.url, request)
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (!answer.ok) { output.textContent = answer.message; return; }
        fillCheckboxes("room_ids", answer.rooms);
        fillCheckboxes("area_ids", answer.rooms);
        fillRoomSelect(answer.rooms);
        output.textContent = answer.rooms.length ? answer.rooms.length + " rooms listed by the POS."
                                                 : (answer.message || "The POS listed no rooms.");
      })
      .catch(function () { output.textContent = "Could not ask the POS for its rooms. Try again."; });
  }

  button.addEventListener("click", function () { load(true); });
  if (button.dataset.pending === "true") load(false);
});
