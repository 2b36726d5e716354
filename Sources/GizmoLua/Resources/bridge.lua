-- The page bridge (a component's files, style sheets and scripts beside the
-- child page, its JavaScript initialisers) and the Template and Image
-- components, loaded on the first use of one of them (see `gz_parts` in
-- gizmo.lua): most pages use none, and each session would otherwise hold
-- their code. `install` at the bottom defines them.

local type, tostring, pairs, error, pcall = type, tostring, pairs, error, pcall
local sort, concat = table.sort, table.concat
local format, match, gmatch = string.format, string.match, string.gmatch
-- js_init's arguments ride in every render, inside the tree: they must fit there.
local MAX_ARGUMENT_DEPTH = 64

---@param gz gz the module, to define the constructors in
---@param runtime table the runtime's modules (runtime.lua)
local function install(gz, runtime)
    local components, host = runtime.components, runtime.host
    local json_encode = host.json_encode
    ---@class gz.Component
    local Component = components.Component
    local check_type, new_component, with_methods, update, to_expr, serve, add_head, as_component, Html =
        components.check_type, components.new_component, components.with_methods, components.update,
        components.to_expr, components.serve, components.add_head, components.as_component,
        components.constructors.Html

    --- Serves a file of the script's folder beside the child page and returns its
    --- relative URL. A missing file is an error here, not a 404 later.
    ---@param path string relative to the script's folder
    ---@param mime? string (default: from the file's extension)
    ---@param url? string the name to serve it under (default: the file's name)
    ---@return string url
    function Component:add_content(path, mime, url)
        check_type(path, "string", "add_content", 1)
        check_type(mime, "string", "add_content", 2, true)
        check_type(url, "string", "add_content", 3, true)
        return serve(2, host.add_file(path, mime, url, "add_content"))
    end

    local function head_file(kind, mime, fname)
        return function(self, path, url)
            check_type(path, "string", fname, 1)
            check_type(url, "string", fname, 2, true)
            add_head(kind, serve(2, host.add_file(path, mime, url, fname)))
            return self
        end
    end

    --- Loads a JavaScript file of the script's folder into the page; commands
    --- after it (js_init, gz.send) wait until it has run.
    ---@type fun(self: gz.Component, path: string, url?: string): gz.Component
    Component.js_file = head_file("script", "text/javascript; charset=utf-8", "js_file")

    --- Adds a style sheet of the script's folder to the page.
    ---@type fun(self: gz.Component, path: string, url?: string): gz.Component
    Component.css_file = head_file("css", "text/css; charset=utf-8", "css_file")

    --- Runs JavaScript in the page with `element` (this component's DOM element)
    --- and the named arguments bound; it runs again when the page is re-rendered.
    ---@generic C: gz.Component
    ---@param self C
    ---@param code string
    ---@param args? table<string, any> name -> value (Lua values, proxies, functions, components)
    ---@return C self
    function Component:js_init(code, args)
        check_type(code, "string", "js_init", 1)
        check_type(args, "table", "js_init", 2, true)
        local bound = {}
        for name, value in pairs(args or {}) do
            if type(name) ~= "string" or not match(name, "^[%a_$][%w_$]*$") then
                error("js_init: argument names must be JavaScript identifiers, not " .. tostring(name), 2)
            end
            bound[name] = to_expr(value)
        end
        -- Kept with the component and sent with every render: what cannot be
        -- sent (nested too deep) is refused here, at the script's line, not
        -- by every render after.
        local ok, problem = pcall(json_encode, bound, MAX_ARGUMENT_DEPTH)
        if not ok then error("js_init: the arguments cannot be sent to the page (" .. tostring(problem) .. ")", 2) end
        local init = { code = code, args = bound }
        self._inits = self._inits or {}
        self._inits[#self._inits + 1] = init
        update(self, { op = "init", id = self.id, code = code, args = bound })
        return self
    end

    ---@class gz.Template: gz.Component
    local Template = {}

    --- Puts a component into the template's element of class `class`.
    ---@param component gz.Child
    ---@param class string a class of an element of the template's HTML
    ---@return self
    function Template:put(component, class)
        component = as_component(component, "put", 1, "Stack")
        check_type(class, "string", "put", 2)
        if not self._classes[class] then
            local known = {}
            for name in pairs(self._classes) do known[#known + 1] = name end
            sort(known)
            error(format("put: the template has no element of class '%s' (its classes: %s)",
                class, #known > 0 and concat(known, ", ") or "none"), 2)
        end
        component._slot = class
        return self:add(component)
    end

    --- HTML with places for components: `gz.Template('<div class="a"></div>'):put(c, "a")`.
    ---@param html string
    ---@param opts? gz.Options
    ---@return gz.Template
    function gz.Template(html, opts)
        check_type(html, "string", "Template", 1)
        -- Checked here so that a mistake names Template and the script's line.
        check_type(opts, "table", "Template", 2, true)
        if opts then components.check_options(opts, "Template", nil, 2) end
        local c = Html(html, opts)
        with_methods(c, Template)
        local classes = {}
        for _, names in gmatch(html, "class%s*=%s*([\"'])(.-)%1") do
            for name in gmatch(names, "%S+") do classes[name] = true end
        end
        c._classes = classes
        return c
    end

    --- What an image shows: a file of the script's folder, or bytes.
    ---@class gz.ImageContent
    ---@field file? string a path in the script's folder
    ---@field bytes? string the image's data, for example a PNG made by the script
    ---@field mime? string the type of `bytes` (or of `file`, instead of its extension's)

    ---@class gz.ImageOptions: gz.Options, gz.ImageContent
    ---@field width? number|string numbers are pixels
    ---@field height? number|string
    ---@field alt? any

    ---@class gz.Image: gz.Component
    local Image = {}

    local function image_source(c, spec, fname)
        local url
        c._version = (c._version or 0) + 1
        local name = "image-" .. c.id
        if spec.file ~= nil then
            check_type(spec.file, "string", fname, 1, false, 3)
            url = serve(3, host.add_file(spec.file, spec.mime, name, fname))
        elseif spec.bytes ~= nil then
            check_type(spec.bytes, "string", fname, 1, false, 3)
            url = serve(3, host.add_bytes(spec.bytes, spec.mime or "application/octet-stream", name, "gz." .. fname))
        else
            error(fname .. ": give file= (a path) or bytes= (a string)", 3)
        end
        return url .. "?v=" .. c._version
    end

    --- Shows new content: `img:set_content{bytes = png, mime = "image/png"}` or `{file = "b.png"}`.
    ---@param spec gz.ImageContent
    ---@return self
    function Image:set_content(spec)
        check_type(spec, "table", "set_content", 1)
        local src = image_source(self, spec, "set_content")
        self._attrs.src = src
        update(self, { op = "attr", id = self.id, v = { src = src } })
        return self
    end

    -- Its own options (components.check_options).
    local image_options = { file = true, bytes = true, mime = true, width = true, height = true, alt = true }
    --- An image served beside the page: `gz.Image{file = "logo.png", width = 120}`
    --- or `gz.Image{bytes = data, mime = "image/png"}`.
    ---@param spec gz.ImageOptions
    ---@return gz.Image
    function gz.Image(spec)
        check_type(spec, "table", "Image", 1)
        local c = new_component("img", "gz-image", spec, "Image", 1, image_options)
        with_methods(c, Image)
        c._attrs = { src = image_source(c, spec, "Image"), alt = spec.alt and tostring(spec.alt) or "" }
        if spec.width or spec.height then c:resize({ width = spec.width, height = spec.height }) end
        return c
    end
end

-- gizmo.lua's loader calls this chunk, then the function it returns with (gz, runtime).
return install
